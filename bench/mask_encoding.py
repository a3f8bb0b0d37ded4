"""Post-processing cost of many instances: upsample, threshold and COCO-RLE-encode N masks.

    python bench/mask_encoding.py --device cpu --out bench/results       # or --device cuda
    python bench/mask_encoding.py --size 3024x4032 --masks objects      # a 12 MP photo of objects

Compares three ways to encode the same whole masks (all asserted byte-identical):
`host`: masks copied to the host as (N, H, W) bool and encoded by pycocotools (`encode_rle`);
`runs`: only the host's share when run lengths come from the device (`device_rle.run_lengths`) and
pycocotools compresses them (what sam3fn did before `device_rle`; kept as the comparison): a floor
on the host's time that no GPU lowers;
`device`: the COCO strings built where the masks are (`encode_rle_on_device`), only they cross.
Then the segmenter's two paths, each from the decoder's outputs to the RLEs: `whole` (its GPU path):
`instance_masks` chunks, each `encode_rle_tensor`ed; and, on the CPU, `windows` (its CPU path):
`instance_windows`, each window encoded by `encode_rle_window`. The windows' RLEs are compared with
the whole masks' and the count that match to the byte is recorded (a pixel within about 2e-5 of the
threshold can differ). `--host-work` also times the segmenter's whole post-processing of the masks
(`segmenter.encode_instances`) with polygons and with refinement at level 0.5: OpenCV work on the host,
on each mask's window.
Mask logits (at the decoder's 288 x 288): `--masks noise` (default) is smooth random noise, blobs over
the whole image far more fragmented than an object's mask (tens of thousands of run boundaries per
1008 px mask, where an object has a few thousand): pessimistic for every encoder, and the worst case
for windows, since each mask spans the image. `--masks objects`: one round blob per instance, radius
2-12 % of the image side, at a random place: what windows are for.
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
from sam3fn.core.encodings import encode_rle, encode_rle_tensor, encode_rle_window
from sam3fn.core.engine import RawOutputs
from sam3fn.core.postprocess import instance_masks, select_instances
from sam3fn.core.results import Rle
from sam3fn.core.segmenter import SegmentOptions, encode_instances
from sam3fn.core.windows import instance_windows


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


def mask_logits(count: int, shape: str, g: torch.Generator) -> torch.Tensor:
    """(count, 288, 288) mask logits: smooth noise everywhere, or one object-like blob each."""
    if shape == "noise":
        return F.avg_pool2d(torch.randn(1, count, 288, 288, generator=g), 9, 1, 4)[0] * 8
    yy, xx = torch.meshgrid(torch.arange(288.0), torch.arange(288.0), indexing="ij")
    centres, radii = torch.rand(count, 2, generator=g) * 288, (0.02 + 0.1 * torch.rand(count, generator=g)) * 288
    dist = ((yy - centres[:, 0, None, None]) ** 2 + (xx - centres[:, 1, None, None]) ** 2).sqrt()
    return 8 * (1 - dist / radii[:, None, None]) + torch.randn(count, 288, 288, generator=g) * 0.5


def raw_outputs(count: int, shape: str, device: torch.device) -> RawOutputs:
    """One prompt whose `count` queries all score 0.98, with `mask_logits` of that shape."""
    g = torch.Generator().manual_seed(0)
    logits = mask_logits(count, shape, g)[None]
    return RawOutputs(logits=torch.full((1, count), 4.0, device=device), presence=torch.full((1, 1), 4.0, device=device),
                      boxes=torch.rand(1, count, 4, generator=g).to(device), masks=logits.to(device))


def windows_path(raw: RawOutputs, kept, height: int, width: int) -> list[Rle]:
    return [encode_rle_window(w, height, width) for _, _, ws in instance_windows(raw, kept, height, width) for w in ws]


def whole_masks(raw: RawOutputs, kept, height: int, width: int, device: torch.device, runs: int) -> tuple[dict, list[Rle]]:
    """The encoders compared on the same whole masks, and the GPU path; with the masks' RLEs."""
    masks = torch.cat([m for _, _, m in instance_masks(raw, kept, height, width)])
    expected = encode_rle(masks.cpu().numpy())
    assert encode_rle_on_device(masks) == expected, "the encodings must agree"
    runs_on_host = host_runs(masks)
    assert pycocotools_compress(runs_on_host, height, width) == [r.counts.encode("ascii") for r in expected]
    flat = masks.transpose(1, 2).reshape(len(masks), -1)
    return {
        "boundaries_per_mask": int((flat[:, 1:] != flat[:, :-1]).sum()) // len(masks),  # what RLE size scales with
        "area_fraction": round(float(masks.float().mean()), 4),
        "upsample_threshold_ms": median_ms(lambda: [m for _, _, m in instance_masks(raw, kept, height, width)], device, runs),
        "host_pycocotools_ms": median_ms(lambda: encode_rle(masks.cpu().numpy()), device, runs),
        "host_compress_runs_ms": median_ms(lambda: pycocotools_compress(runs_on_host, height, width), device, runs),
        "device_strings_ms": median_ms(lambda: encode_rle_on_device(masks), device, runs),
        "whole_path_ms": median_ms(
            lambda: [encode_rle_tensor(m) for _, _, m in instance_masks(raw, kept, height, width)], device, runs),
    }, expected


def host_work(raw: RawOutputs, kept, height: int, width: int, device: torch.device, runs: int) -> dict:
    """The segmenter's whole post-processing of the masks on this device with polygons, and with refinement."""
    return {f"{name}_ms": median_ms(lambda: encode_instances(raw, kept, height, width, options), device, runs)
            for name, options in (("polygons", SegmentOptions(polygons=True)), ("refine", SegmentOptions(refine=0.5)))}


def measure(count: int, height: int, width: int, shape: str, device: torch.device, runs: int,
            with_host_work: bool = False) -> dict:
    raw = raw_outputs(count, shape, device)
    kept = select_instances(raw, height, width, threshold=0.5)
    whole, expected = whole_masks(raw, kept, height, width, device, runs)  # its masks freed before the windows run
    record = {"instances": count, "height": height, "width": width, "masks": shape, **whole,
              "windows_path_ms": None, "windows_identical": None}
    if device.type == "cpu":  # the segmenter's CPU path; a GPU host never takes it
        record["windows_path_ms"] = median_ms(lambda: windows_path(raw, kept, height, width), device, runs)
        record["windows_identical"] = sum(a == b for a, b in zip(windows_path(raw, kept, height, width), expected))
    record.update(host_work(raw, kept, height, width, device, runs) if with_host_work
                  else {"polygons_ms": None, "refine_ms": None})
    return record


def _cell(value) -> str:
    return "-" if value is None else str(value)  # not measured in this run


def size(text: str) -> tuple[int, int]:
    height, _, width = text.partition("x")
    return int(height), int(width or height)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100])
    p.add_argument("--size", type=size, default=(1008, 1008), help="HEIGHTxWIDTH of the image (or one side)")
    p.add_argument("--masks", choices=["noise", "objects"], default="noise")
    p.add_argument("--host-work", action="store_true",
                   help="also time the segmenter's post-processing with polygons, and with refinement (level 0.5)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args(argv)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.machine()} CPU, {torch.get_num_threads()} threads"
    records = []
    height, width = args.size
    for count in args.counts:
        records.append(measure(count, height, width, args.masks, device, args.runs, args.host_work))
        print(json.dumps(records[-1]), flush=True)
    stamp = datetime.now(timezone.utc)
    doc = {"date": stamp.isoformat(timespec="seconds"), "device": name, "torch": torch.__version__, "runs": args.runs,
           "height": height, "width": width, "masks": args.masks, "records": records}
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"mask-encoding-{device.type}-{height}x{width}-{args.masks}-{stamp:%Y%m%dT%H%M%S}"
    base.with_suffix(".json").write_text(json.dumps(doc, indent=2))
    lines = [f"# Mask encoding, {doc['date']}", "",
             f"Device: {name}; torch {torch.__version__}; {height} x {width} masks from {args.masks} 288 x 288 "
             f"logits; median of {args.runs} runs (ms). Whole: the segmenter's GPU path; windows: its CPU path "
             "(identical: how many of its RLEs equal the whole masks' to the byte).", "",
             "| instances | area fraction | run boundaries per mask | upsample + threshold | host: pycocotools on pixels "
             "| host share when pycocotools compresses device runs | device strings | whole path (all) "
             "| windows path (all) | identical | with polygons | with refinement 0.5 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['instances']} | {r['area_fraction']} | {r['boundaries_per_mask']} | {r['upsample_threshold_ms']} | "
              f"{r['host_pycocotools_ms']} | {r['host_compress_runs_ms']} | {r['device_strings_ms']} | {r['whole_path_ms']} | "
              + " | ".join(_cell(r[k]) for k in ("windows_path_ms", "windows_identical", "polygons_ms", "refine_ms"))
              + " |" for r in records]
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
