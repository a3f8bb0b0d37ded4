"""Binary masks -> COCO RLE (via pycocotools), PNG and polygons; RLE -> masks.

RLE here is byte-identical to `pycocotools.mask.encode`. `encode_rle` hands pycocotools the pixels;
`encode_rle_tensor` does that for masks on the CPU and builds the strings on the device for masks on a
GPU (`device_rle`), because encoding 100 full-resolution masks on the host costs more than the model.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import torch
from PIL import Image
from pycocotools import mask as coco_mask

from .device_rle import encode_rle_on_device
from .results import Rle
from .windows import MaskWindow

_PIXEL_BLOCK = np.ones((3, 3), np.uint8)  # one pixel on mask_to_polygons's grid


def encode_rle(masks: np.ndarray) -> list[Rle]:
    """(N, H, W) bool -> N RLEs. pycocotools wants (H, W, N) uint8 in Fortran order."""
    if len(masks) == 0:
        return []
    fortran = np.asfortranarray(np.moveaxis(masks.astype(np.uint8), 0, -1))
    return [Rle(size=[int(s) for s in r["size"]], counts=r["counts"].decode("ascii")) for r in coco_mask.encode(fortran)]


def encode_rle_tensor(masks: torch.Tensor) -> list[Rle]:
    """(N, H, W) bool tensor -> N RLEs, by whichever encoder is faster where the tensor lives.

    On a GPU, `encode_rle_on_device` (only the strings leave it); on the CPU, pycocotools on the same
    memory, several times faster there than the same tensor arithmetic (bench/results/mask-encoding-cpu-*).
    """
    if masks.device.type == "cpu":
        return encode_rle(masks.numpy())
    return encode_rle_on_device(masks)


def encode_rle_window(window: MaskWindow, height: int, width: int) -> Rle:
    """One mask held as a window of a (height, width) image -> its RLE, equal to `encode_rle` of the whole.

    Only the columns the window spans are scanned: COCO counts run down columns, so the background
    before and after them only lengthens the first and last runs. pycocotools compresses the counts.
    """
    h, w = window.pixels.shape
    # The window's columns, whole, in COCO's (column) order, between a background pixel before and after.
    line = np.zeros(w * height + 2, bool)
    line[1:-1].reshape(w, height)[:, window.top : window.top + h] = window.pixels.T
    changes = np.flatnonzero(line[1:] != line[:-1]) + window.left * height  # where each run after the first starts
    changes = changes[changes < height * width]  # ones up to the image's end: no empty run after them
    counts = np.diff(np.concatenate(([0], changes, [height * width]))).astype(np.uint32)
    rle = coco_mask.frPyObjects({"size": [height, width], "counts": counts}, height, width)
    return Rle(size=[height, width], counts=rle["counts"].decode("ascii"))


def decode_rle(rle: Rle | dict) -> np.ndarray:
    """One RLE -> (H, W) bool."""
    if isinstance(rle, Rle):
        rle = {"size": rle.size, "counts": rle.counts}
    counts = rle["counts"]
    obj = {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    return coco_mask.decode(obj).astype(bool)


def merge_rles(rles: list[Rle], height: int, width: int) -> Rle:
    """The union of already-encoded masks, merged in RLE form by pycocotools (no decoding)."""
    if not rles:
        return union_rle(np.zeros((0, height, width), bool), height, width)
    merged = coco_mask.merge([{"size": r.size, "counts": r.counts.encode("ascii")} for r in rles], intersect=False)
    return Rle(size=[int(s) for s in merged["size"]], counts=merged["counts"].decode("ascii"))


def union_rle(masks: np.ndarray, height: int, width: int) -> Rle:
    """The union of (N, H, W) masks as one RLE (an empty mask when N == 0)."""
    union = masks.any(axis=0) if len(masks) else np.zeros((height, width), dtype=bool)
    return encode_rle(union[None])[0]


def mask_to_png(mask: np.ndarray) -> bytes:
    """(H, W) bool -> 8-bit grayscale PNG, 255 inside the mask."""
    buf = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255, mode="L").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def probs_to_png(probs: np.ndarray) -> bytes:
    """(h, w) uint8 probabilities (v / 255) -> 8-bit grayscale PNG; smooth maps compress several-fold.

    zlib level 1: a request asking for candidates encodes up to 100 of these per prompt on the host,
    and level 6 took 4.7 times as long for 9 % fewer bytes (`bench/candidate_maps.py`)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(probs, dtype=np.uint8)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def mask_to_polygons(mask: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[list[float]]:
    """(H, W) bool -> COCO polygons [[x0, y0, x1, y1, ...], ...], one per 8-connected region, shifted by
    `offset` (x, y) (a mask window's polygons at `offset=(left, top)` are the whole mask's).

    Each runs along its region's outer pixel edges in COCO's coordinates (pixel (x, y) covers [x, x + 1] x
    [y, y + 1]; a concave corner is cut by a half-pixel diagonal, so vertices fall on the half-pixel grid),
    simplified by at most a quarter of a pixel, so `pycocotools.mask.frPyObjects` redraws it to exactly the
    region's pixels, holes filled (COCO polygons cannot cut one out). A lone pixel or a line one pixel wide
    gets its polygon too."""
    height, width = mask.shape
    # OpenCV's contours run through the centres of a region's boundary pixels: half a pixel inside its edges, and
    # nothing at all around a line one pixel wide. Traced instead on a grid of twice the resolution plus one, where
    # pixel (x, y) is the 3 x 3 block centred on (2x + 1, 2y + 1), its corners on the even points, a contour runs
    # along the pixels' edges, and a one-pixel gap between two regions stays open (its centre cell stays empty).
    grid = np.zeros((2 * height + 1, 2 * width + 1), np.uint8)
    grid[1::2, 1::2] = mask
    grid = cv2.dilate(grid, _PIXEL_BLOCK)
    contours, _ = cv2.findContours(grid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        # Half a grid cell is a quarter pixel: it turns a staircase into its slope, and keeps every pixel centre
        # (half a pixel from an edge, 0.35 from a cut corner) on its side through pycocotools' rounding of vertices
        # to a fifth of a pixel; tested on arbitrary pixel patterns and smooth shapes, where 0.3 px was still exact.
        simplified = cv2.approxPolyDP(contour, 0.5, True)
        polygons.append((simplified.reshape(-1, 2) / 2 + offset).reshape(-1).tolist())
    return polygons
