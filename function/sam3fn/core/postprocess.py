"""Raw decoder outputs -> kept instances with full-resolution binary masks, as SAM 3 defines them.

score = sigmoid(logit) * sigmoid(presence); keep score >= threshold; boxes scaled to pixels;
mask = bilinear upsample of the mask probabilities to the image size, then > mask_threshold.
This is the arithmetic of transformers' `Sam3ImageProcessor.post_process_instance_segmentation`
(tests hold it equal), done in chunks so 100 instances of a 12 MP photo do not need gigabytes.
Masks stay on the decoder's device: their consumer encodes each chunk there and only the encodings
(run lengths, areas) cross to the host. On the CPU, `windows.instance_windows` makes the same masks
only inside the window around each one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .engine import RawOutputs

UPSAMPLE_CHUNK = 16  # instances upsampled at once: bounds memory at 16 x H x W floats
MAX_CANDIDATES = 100  # per prompt: the most low-resolution maps one response carries


@dataclass
class Kept:
    """Instances kept for one prompt, best first: scores (N,), boxes (N, 4) pixel xyxy, and the decoder
    query each came from (N,). Masks are made from these by `instance_masks`, a chunk at a time."""

    prompt: int
    scores: np.ndarray
    boxes: np.ndarray
    queries: torch.Tensor

    def subset(self, start: int, found: np.ndarray) -> "Kept":
        """The instances from `start` on that `found` (a bool per instance) marks."""
        rows = np.flatnonzero(found) + start
        return Kept(prompt=self.prompt, scores=self.scores[rows], boxes=self.boxes[rows],
                    queries=self.queries[torch.from_numpy(rows).to(self.queries.device)])


def query_scores(raw: RawOutputs) -> torch.Tensor:
    """(P, Q) detection scores: per-query confidence times the prompt's presence score."""
    return raw.logits.float().sigmoid() * raw.presence.float().sigmoid()


def _best_first(scores: torch.Tensor, floor: float) -> list[torch.Tensor]:
    """Per prompt, the indices of the queries scoring >= floor, highest score first."""
    picks = []
    for row in scores:
        idx = torch.nonzero(row >= floor).flatten()
        picks.append(idx[torch.argsort(row[idx], descending=True)])
    return picks


def _pixel_boxes(raw: RawOutputs, p: int, idx: torch.Tensor, height: int, width: int) -> np.ndarray:
    """(N, 4) pixel xyxy boxes of prompt p's queries `idx` (the decoder's boxes are normalised)."""
    scale = torch.tensor([width, height, width, height], device=raw.boxes.device, dtype=torch.float32)
    return (raw.boxes[p, idx].float() * scale).cpu().numpy()


def _upsample(probs: torch.Tensor, height: int, width: int) -> torch.Tensor:
    return F.interpolate(probs.unsqueeze(0), size=(height, width), mode="bilinear", align_corners=False).squeeze(0)


def select_instances(raw: RawOutputs, height: int, width: int, threshold: float = 0.5) -> list[Kept]:
    """Per prompt, the queries scoring >= threshold, best first, with boxes in pixels of (height, width)."""
    scores = query_scores(raw)
    return [Kept(prompt=p, scores=scores[p, idx].cpu().numpy(), boxes=_pixel_boxes(raw, p, idx, height, width),
                 queries=idx)
            for p, idx in enumerate(_best_first(scores, threshold))]


def chunks(kept: list[Kept], size: int):
    """(kept, start, queries): each prompt's kept queries, `size` at a time."""
    for k in kept:
        for start in range(0, len(k.queries), size):
            yield k, start, k.queries[start : start + size]


def grid_probabilities(raw: RawOutputs, k: Kept, queries: torch.Tensor) -> torch.Tensor:
    """(n, h0, w0) mask probabilities of `k`'s `queries` at the decoder's resolution, in float32."""
    return raw.masks[k.prompt, queries].float().sigmoid()


def _probabilities(raw: RawOutputs, k: Kept, queries: torch.Tensor, height: int, width: int) -> torch.Tensor:
    return _upsample(grid_probabilities(raw, k, queries), height, width)


def _owners(raw: RawOutputs, kept: list[Kept], height: int, width: int, chunk: int) -> torch.Tensor:
    """(H, W): the position, in best-first order over all prompts, of the instance most probable at each pixel."""
    best = owner = None
    offset = 0
    for k, _, queries in chunks(kept, chunk):
        top, arg = _probabilities(raw, k, queries, height, width).max(dim=0)
        arg = arg + offset
        offset += len(queries)
        if best is None:
            best, owner = top, arg
        else:
            better = top > best
            best, owner = torch.where(better, top, best), torch.where(better, arg, owner)
    return owner


def instance_masks(raw: RawOutputs, kept: list[Kept], height: int, width: int, mask_threshold: float = 0.5,
                   non_overlapping: bool = False, chunk: int = UPSAMPLE_CHUNK):
    """Yield (kept, start, masks): masks (n, H, W) bool, on the decoder's device, for `kept.queries[start:start + n]`.

    Mask = bilinear upsample of the mask probabilities to (H, W), then > mask_threshold, as transformers
    does it. Chunks bound memory at `chunk` x H x W floats whatever the instance count and image size.
    With `non_overlapping`, a pixel belongs only to the instance (across all prompts) most probable there,
    as SAM 3's non-overlapping constraint does; that costs a first pass to find the owners.

    An instance whose mask is empty at (H, W) (no pixel over mask_threshold, or every pixel owned by
    another instance) is not a finding and is left out: a chunk that holds one is yielded as a `Kept` of
    its other instances alone, with start 0 (a 1 x 1 image gave "instances" of area 0).
    """
    owner = _owners(raw, kept, height, width, chunk) if non_overlapping and any(len(k.queries) for k in kept) else None
    offset = 0
    for k, start, queries in chunks(kept, chunk):
        masks = _probabilities(raw, k, queries, height, width) > mask_threshold
        if owner is not None:
            positions = torch.arange(offset, offset + len(queries), device=owner.device)
            masks &= owner.unsqueeze(0) == positions[:, None, None]
        offset += len(queries)
        found = masks.flatten(1).any(dim=1)
        if bool(found.all()):
            yield k, start, masks
        elif bool(found.any()):
            yield k.subset(start, found.cpu().numpy()), 0, masks[found]


@dataclass
class Candidates:
    """Queries at or above a floor score for one prompt, best first, with low-resolution probabilities.

    scores (N,), boxes (N, 4) pixel xyxy, probs (N, h, w) uint8 where v / 255 is the mask probability
    at the decoder's resolution (h = w = 288 for a 1008 px input).
    """

    scores: np.ndarray
    boxes: np.ndarray
    probs: np.ndarray


def select_candidates(raw: RawOutputs, height: int, width: int, floor: float,
                      limit: int = MAX_CANDIDATES) -> list[Candidates]:
    """Per prompt, up to `limit` queries scoring >= floor, for a viewer that thresholds in place.

    The probabilities are quantised to 8 bits: thresholding v / 255 differs from thresholding the
    float probability only on pixels within 1/510 of the threshold.
    """
    scores = query_scores(raw)
    out = []
    for p, idx in enumerate(_best_first(scores, floor)):
        idx = idx[:limit]
        probs = (raw.masks[p, idx].float().sigmoid() * 255.0).round().to(torch.uint8)
        out.append(Candidates(scores=scores[p, idx].cpu().numpy(), boxes=_pixel_boxes(raw, p, idx, height, width),
                              probs=probs.cpu().numpy()))
    return out
