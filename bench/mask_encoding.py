"""Post-processing cost of many instances: upsample, threshold and COCO-RLE-encode N masks.

    python bench/mask_encoding.py --device cpu --out bench/results       # or --device cuda

Compares the two ways sam3fn can encode masks, on the same masks (asserted byte-identical):
`host`: masks copied to the host as (N, H, W) bool and encoded by pycocotools (`encode_rle`);
`device`: run boundaries found where the masks are (`encode_rle_runs`), pycocotools compressing only
the run lengths. Also times the segmenter's path: `instance_masks` chunks, each `encode_rle_tensor`ed
(the device path on a GPU, pycocotools on the CPU).
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

import torch
import torch.nn.functional as F

from sam3fn.core.encodings import encode_rle, encode_rle_runs, encode_rle_tensor
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
    assert encode_rle(masks.cpu().numpy()) == encode_rle_runs(masks), "the two encodings must agree"
    flat = masks.transpose(1, 2).reshape(count, -1)
    boundaries = int((flat[:, 1:] != flat[:, :-1]).sum()) // count  # what the RLE size scales with
    return {
        "instances": count, "side": side, "boundaries_per_mask": boundaries,
        "upsample_threshold_ms": median_ms(lambda: [m for _, _, m in instance_masks(raw, kept, side, side)], device, runs),
        "host_pycocotools_ms": median_ms(lambda: encode_rle(masks.cpu().numpy()), device, runs),
        "device_runs_ms": median_ms(lambda: encode_rle_runs(masks), device, runs),
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
             "| instances | run boundaries per mask | upsample + threshold | host pycocotools encode | device runs encode "
             "| segmenter path (all) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['instances']} | {r['boundaries_per_mask']} | {r['upsample_threshold_ms']} | {r['host_pycocotools_ms']} | {r['device_runs_ms']} | "
              f"{r['segmenter_path_ms']} |" for r in records]
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
