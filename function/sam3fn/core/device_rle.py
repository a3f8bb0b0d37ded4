"""COCO RLE strings built where the masks are (the GPU), byte-identical to `pycocotools.mask.encode`.

pycocotools is the reference and the CPU encoder (`encodings.encode_rle`); it has no device encoder.
Compressing on the host means either copying and scanning every pixel (164 ms for 100 fragmented
1008 px masks on 2 cores) or handing it only the run lengths, whose compression alone took 31 ms for
the 4.2 million runs of those masks (bench/results/mask-encoding-cpu-20261125T031359.md): more than
the 20 ms a request with 100 instances may take in all. Here both steps are tensor operations on the
masks' device, and only the finished strings, about a byte and a half per run, cross to the host.

COCO's format, as pycocotools' `maskApi.c` (`rleEncode`, `rleToString`) writes it: counts alternate
zeros and ones in column-major order, starting with zeros; count i is stored as x = count[i] -
count[i - 2] when i > 2 (from the fourth count on, as that code does), else count[i]; x is written as
5-bit two's-complement groups, least significant first, each char = group + 48, with 32 added while
more groups follow. Tests hold every output equal to pycocotools'.
"""

from __future__ import annotations

import numpy as np
import torch

from .results import Rle

_GROUPS = 7  # 5-bit groups for the widest x: |x| < 2**32 (counts fit a uint32) needs 34 signed bits


def run_lengths(masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(N, H, W) bool -> COCO counts of every mask, concatenated.

    Returns counts (C,) int64, runs (N,) how many counts each mask has, and first (N,) where each
    mask's counts start in `counts`. A mask opening with a one gets an empty zeros' run first.
    """
    count, height, width = masks.shape
    flat = masks.transpose(1, 2).reshape(count, height * width)
    rows, cols = torch.nonzero(flat[:, 1:] != flat[:, :-1], as_tuple=True)  # row-major: per mask, in order
    lead = flat[:, 0].long()
    # Where each mask's boundaries start in `rows`, from the sorted rows (a bincount would pile atomics
    # onto N counters); the last entry is the total.
    offsets = torch.searchsorted(rows, torch.arange(count + 1, device=masks.device))
    runs = lead + torch.diff(offsets) + 1  # the empty leading run, one run ending at each boundary, the last run
    first = torch.cumsum(runs, 0) - runs
    # Each run's end position in the flattened mask; the leading empty run ends at 0.
    ends = torch.zeros(int(runs.sum()), dtype=torch.int64, device=masks.device)
    within = torch.arange(len(rows), device=masks.device) - offsets[rows]
    ends[first[rows] + lead[rows] + within] = cols + 1
    ends[first + runs - 1] = height * width
    starts = ends.roll(1)
    starts[first] = 0
    return ends - starts, runs, first


def compress(counts: torch.Tensor, runs: torch.Tensor, first: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """`run_lengths`' output -> chars (B,) uint8, every mask's COCO string concatenated, and stops (N,),
    where each mask's string ends in `chars`."""
    device = counts.device
    owner = torch.repeat_interleave(torch.arange(len(runs), device=device), runs, output_size=len(counts))
    position = torch.arange(len(counts), device=device) - first[owner]
    x = torch.where(position > 2, counts - counts.roll(2), counts)
    # Chars per count: the fewest 5-bit groups holding x in two's complement (where rleToString stops).
    used = 1 + sum(((x >= 1 << (5 * g - 1)) | (x < -(1 << (5 * g - 1)))).long() for g in range(1, _GROUPS))
    # One group at a time, so the int64 temporaries stay one count wide.
    table = torch.empty(len(x), _GROUPS, dtype=torch.uint8, device=device)
    for g in range(_GROUPS):
        more = (used > g + 1).long() << 5  # 32 while more groups follow
        table[:, g] = (((x >> (5 * g)) & 0x1F) | more) + 48
    chars = table[torch.arange(_GROUPS, device=device) < used[:, None]]
    return chars, torch.cumsum(used, 0)[first + runs - 1]


def encode_rle_on_device(masks: torch.Tensor) -> list[Rle]:
    """(N, H, W) bool tensor on any device -> N RLEs, equal to `encodings.encode_rle` of the same pixels."""
    count, height, width = masks.shape
    if count == 0:
        return []
    chars, stops = compress(*run_lengths(masks))
    text, stops = chars.cpu().numpy().tobytes().decode("ascii"), stops.cpu().numpy()
    return [Rle(size=[height, width], counts=text[start:stop]) for start, stop in zip(np.r_[0, stops[:-1]], stops)]
