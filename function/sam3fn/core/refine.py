"""Mask refinement: the "mask fineness" control of SAM 3 deployments, made to visibly change masks.

`level` in [0, 1]: 0 returns masks untouched. Higher levels smooth edges more (Gaussian blur of the
binary mask re-thresholded at 0.5, sigma growing with level and image size), fill holes and drop
islands smaller than a level-dependent fraction of the image.
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_SIGMA_FRACTION = 0.006  # sigma at level 1, as a fraction of the longer image side
MAX_SPECK_FRACTION = 0.002  # holes/islands below this fraction of the image area vanish at level 1


def _drop_small_components(mask: np.ndarray, min_area: int) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False  # label 0 is the background
    return keep[labels]


def refine_mask(mask: np.ndarray, level: float) -> np.ndarray:
    """(H, W) bool -> (H, W) bool, smoothed, hole-filled and de-speckled according to `level`."""
    if level <= 0 or not mask.any():
        return mask
    height, width = mask.shape
    sigma = max(0.5, level * MAX_SIGMA_FRACTION * max(height, width))
    blurred = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigmaX=sigma)
    out = blurred > 0.5
    min_area = max(4, int(level * MAX_SPECK_FRACTION * height * width))
    out = _drop_small_components(out, min_area)
    holes = _drop_small_components(~out, min_area)
    # Background pieces touching nothing big are holes: fill them; keep large background regions.
    return out | (~out & ~holes)


def refine_masks(masks: np.ndarray, level: float) -> np.ndarray:
    """(N, H, W) bool -> (N, H, W) bool, each refined by `refine_mask`."""
    if level <= 0 or len(masks) == 0:
        return masks
    return np.stack([refine_mask(m, level) for m in masks])
