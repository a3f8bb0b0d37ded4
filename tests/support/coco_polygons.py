"""What a COCO reader makes of polygons, and what they can describe: the yardsticks for the server's
polygons (tests/core/test_encodings.py) and the page's (tests/frontend/test_polygons.py)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from pycocotools import mask as coco_mask


def redraw(polygons: list[list[float]], height: int, width: int) -> np.ndarray:
    """The polygons as pycocotools' own rasteriser draws them, (height, width) bool."""
    if not polygons:
        return np.zeros((height, width), bool)
    return coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygons, height, width))).astype(bool)


def holes_filled(mask: np.ndarray) -> np.ndarray:
    """The mask plus every background pixel that cannot reach the border through 4-connected background
    (a region's pixels are 8-connected, so its background is 4-connected)."""
    outside = np.ascontiguousarray(np.pad(~mask, 1, constant_values=True), dtype=np.uint8)
    cv2.floodFill(outside, None, (0, 0), 2, flags=4)
    return outside[1:-1, 1:-1] != 2


def smooth_shape(rng: np.random.Generator) -> np.ndarray:
    """A (40..400, 40..400) bool mask of smooth blobs: long gentle slopes are where simplifying a polygon
    drops most vertices, and so where it could drop too many."""
    height, width = (int(n) for n in rng.integers(40, 400, 2))
    coarse = torch.from_numpy(rng.standard_normal((1, 1, 8, 8)).astype(np.float32))
    return torch.nn.functional.interpolate(coarse, size=(height, width), mode="bicubic")[0, 0].numpy() > 0.3
