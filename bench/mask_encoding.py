"""Post-processing cost of many instances: upsample, threshold and COCO-RLE-encode N masks.

    python bench/mask_encoding.py --device cpu --out bench/results       # or --device cuda

Compares three ways to encode the same masks (all asserted byte-identical):
`host`: masks copied to the host as (N, H, W) bool and encoded by pycocotools (`encode_rle`);
`runs`: only the host's share when run lengths come from the device (`device_rle.run_lengths`) and
pycocotools compresses them (what sam3fn did before `device_rle`; kept as the comparison): a floor
on the host's time that no GPU lowers;
`device`: the COCO strings built where the masks are (`encode_rle_on_device`), only they cross.
Also times the segmenter's path: `instance_masks` chunks, each `encode_rle_tensor`ed (the device
strings on a GPU, pycocotools on the CPU).
Inputs are smooth random mask logits at the decoder's 288 x 288, upsampled to the image size: blobs
far more fragmented than an object's mask (tens of thousands of run boundaries per 1008 px mask, where
an object has a few thousand), so the encoding figures are pessimistic.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from pycocotools import mask as coco_mask

from sam3fn.core.device_rle import encode_rle_on_device, run_lengths
from sam3fn.core.encodings import encode_rle, encode_rle_tensor
from sam3fn.core.engine import RawOutputs
from sam3fn.core.postprocess import instance_masks, select_instances


def median_ms(fn, device: torch.device, runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        samples.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(samples), 2)


def host_runs(masks: torch.Tensor) -> list[np.ndarray]:
    """Each mask's COCO counts, found on the masks' device, as host arrays."""
    counts, runs, first = run_lengths(masks)
    counts = counts.cpu().numpy()
    return [counts[f : f + r] for f, r in zip(first.tolist(), runs.tolist())]


def pycocotools_compress(runs: list[np.ndarray], height: int, width: int) -> list[bytes]:
    return [coco_mask.frPyObjects({"size": [height, width], "counts": r}, height, width)["counts"] for r in runs]


def raw_outputs(count: int, device: torch.device) -> RawOutputs:
    """One prompt whose `count` queries all score 0.98, with blob-shaped mask logits (not noise)."""
    g = torch.Generator().manual_seed(0)
    logits = F.avg_pool2d(torch.randn(1, count, 288, 288, generator=g), 9, 1, 4) * 8
    return RawOutputs(logits=torch.full((1, count), 4.0, device=device), presence=torch.full((1, 1), 4.0, device=device),
                      boxes=torch.rand(1, count, 4, generator=g).to(device), masks=logits.to(device))


def measure(count: int, side: int, device: torch.device, runs: int) -> dict:
    raw = raw_outputs(count, device)
    kept = select_instances(raw, side, side, threshold=0.5)
    masks = torch.cat([m for _, _, m in instance_masks(raw, kept, side, side)])
    expected = encode_rle(masks.cpu().numpy())
    assert encode_rle_on_device(masks) == expected, "the encodings must agree"
    runs_on_host = host_runs(masks)
    assert pycocotools_compress(runs_on_host, side, side) == [r.counts.encode("ascii") for r in expected]
    flat = masks.transpose(1, 2).reshape(count, -1)
    boundaries = int((flat[:, 1:] != flat[:, :-1]).sum()) // count  # what the RLE size scales with
    return {
        "instances": count, "side": side, "boundaries_per_mask": boundaries,
        "upsample_threshold_ms": median_ms(lambda: [m for _, _, m in instance_masks(raw, kept, side, side)], device, runs),
        "host_pycocotools_ms": median_ms(lambda: encode_rle(masks.cpu().numpy()), device, runs),
        "host_compress_runs_ms": median_ms(lambda: pycocotools_compress(runs_on_host, side, side), device, runs),
        "device_strings_ms": median_ms(lambda: encode_rle_on_device(masks), device, runs),
        "segmenter_path_ms": median_ms(
            lambda: [encode_rle_tensor(m) for _, _, m in instance_masks(raw, kept, side, side)], device, runs),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--side", type=int, default=1008)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args(argv)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.machine()} CPU, {torch.get_num_threads()} threads"
    records = []
    for count in args.counts:
        records.append(measure(count, args.side, device, args.runs))
        print(json.dumps(records[-1]), flush=True)
    stamp = datetime.now(timezone.utc)
    doc = {"date": stamp.isoformat(timespec="seconds"), "device": name, "torch": torch.__version__, "runs": args.runs,
           "records": records}
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"mask-encoding-{device.type}-{stamp:%Y%m%dT%H%M%S}"
    base.with_suffix(".json").write_text(json.dumps(doc, indent=2))
    lines = [f"# Mask encoding, {doc['date']}", "",
             f"Device: {name}; torch {torch.__version__}; {args.side} x {args.side} masks from smooth random 288 x 288 "
             f"logits; median of {args.runs} runs (ms).", "",
             "| instances | run boundaries per mask | upsample + threshold | host: pycocotools on pixels "
             "| host share when pycocotools compresses device runs | device strings | segmenter path (all) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['instances']} | {r['boundaries_per_mask']} | {r['upsample_threshold_ms']} | {r['host_pycocotools_ms']} | "
              f"{r['host_compress_runs_ms']} | {r['device_strings_ms']} | {r['segmenter_path_ms']} |" for r in records]
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
