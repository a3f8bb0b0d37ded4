"""Time `decode_image` (bytes -> upright RGB pixels, what every request and bucket event starts with).

    PYTHONPATH=. python bench/image_decode.py --out bench/results [--side 1008] [--model-side 1008] [--label NAME]

On the H200's host, served eager, decoding a 1008 px PNG took 45 ms of a 113 ms request
(`results/serve-latency-20261125T174645.md`): more than the image encoder. The same smooth scene
`serve_latency.py` sends, encoded as PNG (its compress_level 1), JPEG (quality 90) and WebP (quality 90),
each decoded `--runs` times in turn, medians in ms.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from bench.serve_latency import scene  # the picture the serving benchmark sends
from sam3fn.core.images import decode_image

FORMATS = {"PNG": {"compress_level": 1}, "JPEG": {"quality": 90}, "WEBP": {"quality": 90}}


def encoded(pixels: np.ndarray) -> dict[str, bytes]:
    out = {}
    for name, options in FORMATS.items():
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format=name, **options)
        out[name] = buf.getvalue()
    return out


def measure(files: dict[str, bytes], runs: int, model_side: int | None = None) -> dict[str, dict]:
    samples: dict[str, list[float]] = {name: [] for name in files}
    for _ in range(runs + 2):  # the first two rounds warm caches and are dropped
        for name, data in files.items():  # formats alternate, so each sees the same machine state
            start = time.perf_counter()
            decode_image(data, model_side=model_side)
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: {"bytes": len(files[name]), "median_ms": round(statistics.median(s[2:]), 2),
                   "p90_ms": round(sorted(s[2:])[int(0.9 * (len(s) - 3))], 2)} for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", type=int, default=1008)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--model-side", type=int, default=0,
                        help="decode as for a model of this input side (a large JPEG is reduced); 0: whole, as drawn")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    now = datetime.now(timezone.utc)
    doc = {"date": now.isoformat(timespec="seconds"), "label": args.label, "side": args.side, "runs": args.runs,
           "model_side": args.model_side or None,
           "host": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
           "pillow": Image.__version__, "opencv": cv2.__version__, "formats": measure(encoded(scene(args.side)), args.runs, args.model_side or None)}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"image-decode-{args.label + '-' if args.label else ''}{now:%Y%m%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n")
    rows = "\n".join(f"| {name} | {f['bytes']:,} | {f['median_ms']} | {f['p90_ms']} |" for name, f in doc["formats"].items())
    decoded = (f"decoded for a {args.model_side} px model input (a JPEG at least twice that a side is reduced)"
               if args.model_side else "decoded whole")
    table = (f"# decode_image, {doc['date']}{' (' + args.label + ')' if args.label else ''}\n\n"
             f"Host: {doc['host']}; Pillow {doc['pillow']}, OpenCV {doc['opencv']}; a {args.side} px scene; {args.runs} runs per format, "
             f"alternating; {decoded}.\n\n| format | bytes | median ms | p90 ms |\n|---|---|---|---|\n{rows}\n")
    stem.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
