"""The function as users reach it: `sam3fn serve` started cold, then timed over HTTP.

    python bench/serve_latency.py --model-dir DIR --engine-dir engines --device cuda --out bench/results

Starts `sam3fn serve` in a fresh process with the given model, engines and backend; records seconds from
process start to /readyz (load, engine checks and the warm-up inference: the cold start a scale-to-zero
endpoint pays), what /v1/info reports (backend, precision, CUDA graphs), then per-request latency of
/v1/segment (multipart upload of a PNG) as the client sees it and as the server's stage timings say:
1 prompt on a new image, 8 prompts on a new image, 1 more prompt on a cached image, 1 prompt with the
page's candidate maps, and a low threshold keeping up to 100 instances. Each new-image request changes
one pixel, so the image cache never answers it. Writes serve-latency-<stamp>.json and .md.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

PROMPTS = ["dog", "red car", "person", "tree", "bicycle", "traffic light", "cup", "bench"]
CASES = {  # name: (prompts, form fields, new image each time)
    "1_prompt": (PROMPTS[:1], {}, True),
    "8_prompts": (PROMPTS, {}, True),
    "extra_prompt_cached_image": (PROMPTS[1:2], {}, False),
    "1_prompt_with_candidates": (PROMPTS[:1], {"candidate_floor": "0.05"}, True),
    "1_prompt_threshold_0.01": (PROMPTS[:1], {"threshold": "0.01"}, True),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict, log_path: Path, timeout: float) -> tuple[subprocess.Popen, str, float]:
    """Start the server; return it, its URL and the seconds it took to answer /readyz with 200."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sam3fn.cli", "serve"], stdout=open(log_path, "wb"),
                            stderr=subprocess.STDOUT, env={**os.environ, **env, "PORT": str(port)})
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url, round(time.perf_counter() - started, 2)
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"not ready after {timeout} s: {log_path.read_text()[-3000:]}")


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def scene(side: int) -> np.ndarray:
    """A smooth random picture: blobs of colour, so masks have edges rather than salt and pepper."""
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (side // 48, side // 48, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((side, side), Image.BICUBIC))


_fresh = itertools.count(1)  # across all cases, so no case meets another's image in the cache


def time_case(client: httpx.Client, url: str, base: np.ndarray, prompts, fields, fresh: bool, runs: int) -> dict:
    wall, server, instances = [], [], []
    for i in range(runs + 2):  # two warm-up requests
        pixels = base.copy()
        if fresh:
            n = next(_fresh)
            pixels[0, 0] = [n % 256, (n // 256) % 256, 7]  # a new image hash: no cached features
        files = {"image": ("scene.png", png(pixels), "image/png")}
        data = {"prompts": list(prompts), **fields}
        t = time.perf_counter()
        response = client.post(url + "/v1/segment", files=files, data=data)
        elapsed = (time.perf_counter() - t) * 1000
        response.raise_for_status()
        body = response.json()
        if i >= 2:
            wall.append(elapsed)
            server.append(body["timings"])
            instances.append(sum(len(r["instances"]) for r in body["results"]))
    stages = {k: round(statistics.median(s[k] for s in server), 2) for k in server[0] if k.endswith("_ms")}
    return {"client_p50_ms": round(statistics.median(wall), 2), "client_p90_ms": round(np.percentile(wall, 90), 2),
            "server_ms": stages, "instances_median": int(statistics.median(instances)), "runs": runs}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", type=Path, required=True)
    p.add_argument("--engine-dir", type=Path)
    p.add_argument("--backend", default="auto")
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", default="auto")
    p.add_argument("--side", type=int, default=1008, help="side of the square test image in pixels")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args(argv)
    env = {"SAM3FN_MODEL_DIR": str(args.model_dir), "SAM3FN_BACKEND": args.backend, "SAM3FN_DEVICE": args.device,
           "SAM3FN_PRECISION": args.precision, "SAM3FN_HOST": "127.0.0.1", "SAM3FN_RESULTS_DIR": tempfile.mkdtemp()}
    if args.engine_dir:
        env["SAM3FN_ENGINE_DIR"] = str(args.engine_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc)
    log_path = args.out / f"serve-latency-{stamp:%Y%m%dT%H%M%S}.log"
    proc, url, ready_s = start(env, log_path, args.timeout)
    try:
        info = httpx.get(url + "/v1/info", timeout=10).json()
        print(f"ready in {ready_s} s: {json.dumps(info)}", flush=True)
        base = scene(args.side)
        with httpx.Client(timeout=120) as client:
            cases = {name: time_case(client, url, base, *case, runs=args.runs) for name, case in CASES.items()}
    finally:
        proc.terminate()
        proc.wait(30)
    doc = {"date": stamp.isoformat(timespec="seconds"), "ready_s": ready_s, "info": info, "image_side": args.side,
           "cases": cases}
    name = f"serve-latency-{stamp:%Y%m%dT%H%M%S}"
    (args.out / f"{name}.json").write_text(json.dumps(doc, indent=2))
    (args.out / f"{name}.md").write_text(table(doc))
    print(table(doc))
    return 0


def table(doc: dict) -> str:
    info = doc["info"]
    lines = [f"# sam3fn served over HTTP, {doc['date']}", "",
             f"Backend {info.get('backend')} ({info.get('precision')}, {info.get('device')}, CUDA graphs "
             f"{info.get('cuda_graphs')}); random weights: {info.get('random_weights')}; cold start to /readyz: "
             f"{doc['ready_s']} s; image {doc['image_side']} px PNG, multipart upload; medians of "
             f"{next(iter(doc['cases'].values()))['runs']} requests.", "",
             "| case | client p50 ms | client p90 ms | server total ms | image read | image encode | text | mask decode "
             "| post | instances |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, c in doc["cases"].items():
        s = c["server_ms"]
        lines.append(f"| {name} | {c['client_p50_ms']} | {c['client_p90_ms']} | {s.get('total_ms')} | "
                     f"{s.get('decode_image_ms')} | {s.get('image_encode_ms')} | {s.get('text_encode_ms')} | "
                     f"{s.get('mask_decode_ms')} | "
                     f"{s.get('postprocess_ms')} | {c['instances_median']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
