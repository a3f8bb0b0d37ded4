"""Masks made only inside the window that can hold their pixels: SAM 3's post-processing on the CPU.

An instance's mask is its low-resolution probability map (288 x 288) upsampled bilinearly to the
photo and thresholded (`postprocess`). On a GPU that runs over every pixel of every instance at once.
On the CPU it is the cost that grows with the photo: upsampling, thresholding and encoding 100 object
masks of a 12 MP photo took 5.8 s on 2 cores, each object covering a small part of it
(`bench/results/mask-encoding-cpu-3024x4032-objects-20261126T055513.md`). `MaskWindow` is also the
form in which host work (refinement, polygons) takes a mask, whichever device made it.

A bilinear sample is a weighted mean of the four grid points around it, so it can pass the threshold
only where one of those points does. The output rows and columns whose grid points include one over
the threshold (less `SUPPORT_MARGIN`, for rounding) therefore bound every pixel the mask can hold, and
only that window is upsampled; everything outside it is background. The samples are the ones
`F.interpolate(mode="bilinear", align_corners=False)` takes, computed here for the window alone; they
agree with it to about 2e-5, so a pixel can differ from the full-image path only where its
probability is that close to the threshold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .engine import RawOutputs
from .postprocess import UPSAMPLE_CHUNK, Kept, chunks, grid_probabilities

SUPPORT_MARGIN = 1e-4  # grid values this far under the threshold still open the window: far above rounding
# A window over this fraction of the image is sampled by F.interpolate over the whole image instead: its
# single kernel took 30 ms for a 12 MP map on the dev CPU where the window's gathers took 55 (ad hoc).
WHOLE_FRACTION = 0.5


@dataclass(frozen=True)
class MaskWindow:
    """One mask of a (height, width) image: `pixels` (h, w) bool cover rows top..top + h - 1 and
    columns left..left + w - 1 of it; every pixel outside that window is background."""

    top: int
    left: int
    pixels: np.ndarray

    @property
    def area(self) -> int:
        return int(self.pixels.sum())

    def paste(self, height: int, width: int) -> np.ndarray:
        """The whole (height, width) bool mask."""
        full = np.zeros((height, width), bool)
        h, w = self.pixels.shape
        full[self.top : self.top + h, self.left : self.left + w] = self.pixels
        return full


@dataclass(frozen=True)
class _Axis:
    """Bilinear sampling along one axis of `size` output pixels: per output index, the two grid indices
    it lies between (`low`, `high`, (size,) int64) and its weight toward `high` ((size,) float32)."""

    low: torch.Tensor
    high: torch.Tensor
    weight: torch.Tensor

    @classmethod
    def sampling(cls, grid: int, size: int) -> "_Axis":
        # F.interpolate's source coordinate for align_corners=False, in float32 as its CPU kernel works.
        scale = torch.tensor(grid / size, dtype=torch.float32)
        src = (scale * (torch.arange(size, dtype=torch.float32) + 0.5) - 0.5).clamp(min=0)
        low = src.long()
        return cls(low=low, high=(low + 1).clamp(max=grid - 1), weight=(src - low).clamp(max=1))

    def span(self, on: torch.Tensor) -> tuple[int, int] | None:
        """[start, stop) of the output indices whose grid points include one marked in `on` (grid,) bool."""
        hit = torch.nonzero(on[self.low] | on[self.high]).flatten()
        return (int(hit[0]), int(hit[-1]) + 1) if len(hit) else None

    def part(self, start: int, stop: int) -> "_Axis":
        return _Axis(self.low[start:stop], self.high[start:stop], self.weight[start:stop])


def _upsample_window(probs: torch.Tensor, rows: _Axis, cols: _Axis) -> torch.Tensor:
    """(h0, w0) probabilities -> (len(rows), len(cols)) bilinear samples, columns first (separable).

    The result is column-major (a transposed view), the order COCO's run lengths read it in."""
    across = torch.lerp(probs[:, cols.low], probs[:, cols.high], cols.weight).T.contiguous()  # (w, h0)
    return across.index_select(1, rows.low).lerp_(across.index_select(1, rows.high), rows.weight).T


@dataclass(frozen=True)
class _Window:
    top: int
    left: int
    rows: _Axis
    cols: _Axis
    image: tuple[int, int]

    def probabilities(self, probs: torch.Tensor) -> torch.Tensor:
        """(h0, w0) probabilities -> the window's (h, w) bilinear samples of them."""
        if len(self.rows.low) * len(self.cols.low) > WHOLE_FRACTION * self.image[0] * self.image[1]:
            # Sampled transposed, so that the window is column-major like the other branch's.
            whole = F.interpolate(probs.T[None, None].contiguous(), size=self.image[::-1], mode="bilinear",
                                  align_corners=False)
            return whole[0, 0].T[self.region()]
        return _upsample_window(probs, self.rows, self.cols)

    def region(self) -> tuple[slice, slice]:
        return slice(self.top, self.top + len(self.rows.low)), slice(self.left, self.left + len(self.cols.low))


def _windows(probs: torch.Tensor, rows: _Axis, cols: _Axis, mask_threshold: float) -> list[_Window | None]:
    """Per map of (n, h0, w0) probabilities, the window that can hold its mask (None: no pixel can)."""
    over = probs > mask_threshold - SUPPORT_MARGIN
    out: list[_Window | None] = []
    for on_rows, on_cols in zip(over.any(dim=2), over.any(dim=1)):
        ys, xs = rows.span(on_rows), cols.span(on_cols)
        out.append(None if ys is None or xs is None
                   else _Window(ys[0], xs[0], rows.part(*ys), cols.part(*xs), (len(rows.low), len(cols.low))))
    return out


def bounding_windows(masks: torch.Tensor) -> list[MaskWindow]:
    """(n, H, W) bool masks on any device -> each as the window of its bounding box, on the host: for host
    work (refinement, polygons) on masks made whole on a GPU, only each mask's box crosses."""
    rows, cols = masks.any(dim=2).cpu().numpy(), masks.any(dim=1).cpu().numpy()
    out = []
    for mask, on_rows, on_cols in zip(masks, rows, cols):
        ys, xs = np.flatnonzero(on_rows), np.flatnonzero(on_cols)
        if not len(ys):  # no box: one background pixel stands for it
            out.append(MaskWindow(0, 0, np.zeros((1, 1), bool)))
            continue
        out.append(MaskWindow(int(ys[0]), int(xs[0]), mask[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1].cpu().numpy()))
    return out


class _Owners:
    """Which instance is most probable at each pixel, built window by window (non-overlapping masks).

    Outside an instance's window its probability is under the mask threshold, so it cannot take a pixel
    from one that passes there: only the windows need visiting. Ties go to the earlier (better) instance.
    """

    def __init__(self, height: int, width: int) -> None:
        # Column-major, like the windows' samples, so that updating a region walks both in one order.
        self.best = torch.zeros(width, height).T
        self.owner = torch.full((width, height), -1, dtype=torch.int32).T

    def offer(self, position: int, window: _Window, probs: torch.Tensor) -> None:
        region = window.region()
        best, owner = self.best[region], self.owner[region]
        owner.masked_fill_(probs > best, position)  # views of the whole maps: updated in place
        best.copy_(torch.maximum(best, probs))

    def owned(self, position: int, window: _Window) -> torch.Tensor:
        return self.owner[window.region()] == position


def instance_windows(raw: RawOutputs, kept: list[Kept], height: int, width: int, mask_threshold: float = 0.5,
                     non_overlapping: bool = False,
                     chunk: int = UPSAMPLE_CHUNK) -> Iterator[tuple[Kept, int, list[MaskWindow]]]:
    """`postprocess.instance_masks` for masks on the CPU: yield (kept, start, windows), one `MaskWindow`
    per instance of `kept.queries[start:start + n]`, with the same chunks and the same rule that an
    instance whose mask is empty is left out (its chunk then yielded as a `Kept` of the rest, start 0).
    """
    grid_h, grid_w = raw.masks.shape[-2:]
    rows, cols = _Axis.sampling(grid_h, height), _Axis.sampling(grid_w, width)

    def with_windows():
        for k, start, queries in chunks(kept, chunk):
            probs = grid_probabilities(raw, k, queries)
            yield k, start, probs, _windows(probs, rows, cols, mask_threshold)

    owners = None
    if non_overlapping:
        owners, position = _Owners(height, width), 0
        for _, _, probs, windows in with_windows():
            for p, window in zip(probs, windows):
                if window is not None:
                    owners.offer(position, window, window.probabilities(p))
                position += 1
    position = 0
    for k, start, probs, windows in with_windows():
        made = [_mask(w, p, mask_threshold, owners, position + i) for i, (p, w) in enumerate(zip(probs, windows))]
        position += len(made)
        found = np.array([m is not None for m in made])
        if found.all():
            yield k, start, made
        elif found.any():
            yield k.subset(start, found), 0, [m for m in made if m is not None]


def _mask(window: _Window | None, probs: torch.Tensor, mask_threshold: float, owners: _Owners | None,
          position: int) -> MaskWindow | None:
    """One instance's mask in its window, or None where it holds no pixel."""
    if window is None:
        return None
    pixels = window.probabilities(probs) > mask_threshold
    if owners is not None:
        pixels &= owners.owned(position, window)
    pixels = pixels.numpy()
    return MaskWindow(window.top, window.left, pixels) if pixels.any() else None  # numpy's any() stops early
