"""RGB array -> the normalised square pixel tensor the vision encoder takes.

Mirrors Sam3ImageProcessor (resize to S x S bilinear with antialiasing, rescale 1/255, normalise) but in
plain torch on the target device: that processor needs torchvision, and resizing on the GPU is faster.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .images import RgbImage


@dataclass(frozen=True)
class PreprocessSpec:
    """`size`: square input side in pixels; `mean`/`std` per channel after rescaling to [0, 1]."""

    size: int
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    rescale: float = 1 / 255

    @classmethod
    def from_settings(cls, settings: dict, default_size: int) -> "PreprocessSpec":
        """Read a Hugging Face image-processor dict (processor_config.json), defaulting what is absent."""
        size = settings.get("size") or {}
        side = int(size.get("height", default_size)) if isinstance(size, dict) else int(size)
        return cls(
            size=side,
            mean=tuple(settings.get("image_mean", cls.mean)),
            std=tuple(settings.get("image_std", cls.std)),
            rescale=float(settings.get("rescale_factor", cls.rescale)),
        )


def _spend_the_read_only_warning() -> None:
    """Decoded pixels are read-only (no copy was made to make them writable) and nothing here writes to them,
    but `torch.from_numpy` warns, once per process, that a tensor over one could. That one warning is spent
    here, at import, so `to_pixels` needs no `warnings.catch_warnings`: it swaps the process-wide filter list
    and, entered by requests in several threads at once, can restore another thread's list or lose a filter."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable", category=UserWarning)
        torch.from_numpy(np.frombuffer(bytes(1), np.uint8))


_spend_the_read_only_warning()


def to_pixels(image: RgbImage, spec: PreprocessSpec, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, S, S) normalised tensor on `device` in `dtype`."""
    # Move the uint8 bytes first: a quarter of the transfer of float32, and the resize runs on the GPU.
    hwc = torch.from_numpy(image.pixels).to(device, non_blocking=True)
    chw = hwc.permute(2, 0, 1).unsqueeze(0).float()
    resized = F.interpolate(chw, size=(spec.size, spec.size), mode="bilinear", align_corners=False, antialias=True)
    mean = torch.tensor(spec.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(spec.std, device=device).view(1, 3, 1, 1)
    return ((resized * spec.rescale - mean) / std).to(dtype)
