"""Time the page's candidate probability maps: 8-bit PNGs of 288 x 288 maps, per zlib level.

    PYTHONPATH=. python bench/candidate_maps.py --out bench/results [--count 100]

A request with `candidate_floor` returns up to 100 low-resolution maps per prompt, PNG-encoded on the
host, so the page can re-threshold without another request. Served eager on the H200 that cost
121 ms of post-processing for one prompt (`results/serve-latency-20261125T174645.md`). This times
`encodings.probs_to_png` (what the server runs) against the zlib levels it could use, on smooth maps
like a decoder's (random low-resolution logits, bicubic up-sampled), in ms per map and bytes per map.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from sam3fn.core.encodings import probs_to_png

LEVELS = (1, 3, 6, 9)


def smooth_maps(count: int, side: int = 288) -> np.ndarray:
    """(count, side, side) uint8 probabilities from smooth random logits."""
    logits = torch.randn(count, 1, side // 16, side // 16, generator=torch.Generator().manual_seed(0))
    up = torch.nn.functional.interpolate(logits, size=(side, side), mode="bicubic").squeeze(1)
    return (up * 3).sigmoid().mul(255).round().to(torch.uint8).numpy()


def per_map(encode, maps: np.ndarray) -> dict:
    start, sizes = time.perf_counter(), [len(encode(m)) for m in maps]
    return {"ms_per_map": round((time.perf_counter() - start) * 1000 / len(maps), 3),
            "bytes_per_map": int(sum(sizes) / len(sizes))}


def at_level(level: int):
    def encode(m: np.ndarray) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(m).save(buf, format="PNG", compress_level=level)
        return buf.getvalue()
    return encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    maps = smooth_maps(args.count)
    per_map(probs_to_png, maps[:5])  # warm-up: Pillow's encoder and zlib loaded
    rows = {"probs_to_png (served)": per_map(probs_to_png, maps)}
    rows.update({f"zlib level {level}": per_map(at_level(level), maps) for level in LEVELS})
    now = datetime.now(timezone.utc)
    doc = {"date": now.isoformat(timespec="seconds"), "host": f"{platform.machine()}, python {platform.python_version()}",
           "pillow": Image.__version__, "count": args.count, "side": 288, "rows": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"candidate-maps-{now:%Y%m%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n")
    table = (f"# Candidate probability maps as PNG, {doc['date']}\n\nHost: {doc['host']}; Pillow {doc['pillow']}; "
             f"{args.count} smooth 288 x 288 maps, one thread.\n\n| encoder | ms per map | bytes per map |\n|---|---|---|\n"
             + "\n".join(f"| {name} | {r['ms_per_map']} | {r['bytes_per_map']:,} |" for name, r in rows.items()) + "\n")
    stem.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
