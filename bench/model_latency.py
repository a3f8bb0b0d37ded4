"""SAM 3 model latency per backend and precision: stages, end to end, throughput, memory, cold start.

    python bench/model_latency.py --config full --device cuda \
        --runs eager:fp32 eager:fp16 eager:bf16 aoti:fp16 --out bench/results

Full-size SAM 3 architecture with random weights (the real weights are gated; latency does not depend on
weight values). Writes one JSON per run (a record per configuration with backend, precision, gpu and
image_ms, text_ms, decode_ms, e2e_p50_ms, e2e_8prompt_ms, extra_prompt_ms, e2e_100inst_ms, throughput,
peak_gb (one image at a time, after the server's warm-up; memory_figures says what it counts),
batch8_peak_gb (the throughput runs' image batches included), cold_start_s, and the instances
e2e_p50_ms and e2e_100inst_ms kept) plus a markdown table.
Both are rewritten after each configuration, so a run cut short keeps what it measured. `--into
FILE.json` writes there, adding to the file's records when it exists (the GPU benchmark measures eager
before and the engine after its long build, into one file). A configuration that fails is recorded
with its error and the others still run. `--config tiny --device cpu` is a quick smoke run of this
script itself; its numbers mean nothing about SAM 3.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from sam3fn.core.caches import LruCache
from sam3fn.core.images import from_array
from sam3fn.core.loader import load_model
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions
from sam3fn.core.tiny_model import write_tiny_model

MAX_PROMPTS = 16  # the server's default max_prompts, so the same CUDA graphs are captured
PROMPTS = ["dog", "red car", "person", "tree", "bicycle", "traffic light", "cup", "bench"]


def timed(fn, device, iterations: int, warmup: int = 3) -> float:
    """Median milliseconds of fn() (CUDA events on a GPU, perf_counter elsewhere)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            samples.append(start.elapsed_time(end))
        else:
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(samples), 3)


def memory_figures(free_before: int, reserved_before: int, free_now: int, reserved_now: int,
                   reserved_peak: int, allocated_peak: int) -> dict:
    """GPU memory one configuration took from the device, in GiB, from byte counts taken before loading
    it (after the CUDA context existed) and now.

    peak_gb is what the process held at its peak beyond its CUDA context: torch's caching allocator at
    its peak reservation (a CUDA graph's pool stays reserved between replays, so reserved, not
    allocated) plus what the process took outside that allocator. The outside part matters because an
    AOTInductor package keeps its weights in one cudaMalloc'd blob (unless built with
    aot_inductor.weight_use_caching_allocator): torch.cuda.max_memory_allocated alone would leave a
    compiled engine's weights out and compare it unfairly with eager. Outside = the device's
    used-memory growth minus the allocator's reserved growth, read at the end, so a transient outside
    allocation is missed.
    """
    outside = max(0, (free_before - free_now) - (reserved_now - reserved_before))
    gib = 2 ** 30
    return {"peak_gb": round((reserved_peak - reserved_before + outside) / gib, 3),
            "allocated_peak_gb": round(allocated_peak / gib, 3), "outside_allocator_gb": round(outside / gib, 3)}


class GpuMemory:
    """Byte counts for memory_figures: the baseline at construction (call it before loading), figures on
    demand; peaks run from the baseline. Off the GPU every figure is None."""

    def __init__(self, device: str) -> None:
        gc.collect()
        self.dev = torch.device(device)
        if self.dev.type != "cuda":
            return
        torch.cuda.synchronize(self.dev)
        torch.cuda.empty_cache()  # the previous configuration's cached blocks are not this one's
        torch.cuda.reset_peak_memory_stats(self.dev)
        self.free, self.reserved = torch.cuda.mem_get_info(self.dev)[0], torch.cuda.memory_reserved(self.dev)

    def figures(self) -> dict:
        if self.dev.type != "cuda":
            return dict.fromkeys(("peak_gb", "allocated_peak_gb", "outside_allocator_gb"))
        torch.cuda.synchronize(self.dev)
        return memory_figures(self.free, self.reserved, torch.cuda.mem_get_info(self.dev)[0],
                              torch.cuda.memory_reserved(self.dev), torch.cuda.max_memory_reserved(self.dev),
                              torch.cuda.max_memory_allocated(self.dev))


def uncached(segmenter: Segmenter) -> Segmenter:
    segmenter.image_cache, segmenter.text_cache = LruCache(0), LruCache(0)
    return segmenter


def measure(model_dir: Path, engine_dir: Path | None, backend: str, precision: str, device: str, iterations: int) -> dict:
    # The previous configuration's model is gone by now (run_one returned), so it is not in this baseline.
    memory = GpuMemory(device)
    loaded = load_model(model_dir, device, precision, backend=backend, engine_dir=engine_dir)
    dev = loaded.device
    seg = uncached(Segmenter(loaded))
    side = loaded.spec.size
    image = from_array(np.random.default_rng(0).integers(0, 255, (side, side, 3), dtype=np.uint8))
    # As the server starts: its warm-up captures a CUDA graph for every prompt batch of up to 16 prompts,
    # and their memory is part of what serving one image takes.
    seg.warm_up(image, MAX_PROMPTS)
    engine = loaded.engine
    pixels = torch.randn(1, 3, side, side, device=dev)
    ids, mask, _ = seg._tokenize(PROMPTS[:1])
    state = seg.set_image(image)
    text = engine.encode_text(ids, mask)
    opts = SegmentOptions()
    record = {
        "backend": engine.backend, "precision": loaded.precision, "device": dev.type,
        "gpu": device_name(dev),
        "image_ms": timed(lambda: engine.encode_image(pixels), dev, iterations),
        "text_ms": timed(lambda: engine.encode_text(ids, mask), dev, iterations),
        "decode_ms": timed(lambda: engine.decode(state.features, text, mask), dev, iterations),
        "e2e_p50_ms": timed(lambda: seg.run(image, [Prompt.plain(PROMPTS[0])], opts), dev, iterations),
        "e2e_8prompt_ms": timed(lambda: seg.run(image, [Prompt.plain(p) for p in PROMPTS], opts), dev, iterations),
        "extra_prompt_ms": timed(lambda: seg.segment(state, [Prompt.plain(PROMPTS[1])], opts), dev, iterations),
    }
    # 100 instances kept: threshold at the 100th best score of this image and prompt, masks RLE-encoded.
    from sam3fn.core.postprocess import query_scores

    raw = engine.decode(state.features, text, mask)
    scores = query_scores(raw)[0].sort(descending=True).values
    keep = min(100, scores.numel())
    many = SegmentOptions(threshold=float(scores[keep - 1]))
    record["e2e_100inst_ms"] = timed(lambda: seg.run(image, [Prompt.plain(PROMPTS[0])], many), dev, iterations)
    record["instances_kept"] = len(seg.run(image, [Prompt.plain(PROMPTS[0])], many).results[0].instances)
    record["instances_default"] = len(seg.run(image, [Prompt.plain(PROMPTS[0])], opts).results[0].instances)
    record.update(memory.figures())  # one image at a time, as the targets are stated
    record["throughput_images_per_s"] = {}
    for batch in (1, 4, 8):
        images = [from_array(np.random.default_rng(b).integers(0, 255, (side, side, 3), dtype=np.uint8)) for b in range(batch)]
        ms = timed(lambda: [seg.segment(s, [Prompt.plain(PROMPTS[0])], opts) for s in seg.set_images(images)], dev,
                   max(2, iterations // 4), warmup=1)
        record["throughput_images_per_s"][str(batch)] = round(batch / (ms / 1000), 2)
    record["batch8_peak_gb"] = memory.figures()["peak_gb"]  # with the throughput runs' image batches
    return record


def cold_start(model_dir: Path, engine_dir: Path | None, backend: str, precision: str, device: str) -> float:
    """Seconds from process start to ready (load + the server's warm-up), in a fresh process."""
    code = ("import numpy as np, sys; from sam3fn.core.loader import load_model; "
            "from sam3fn.core.segmenter import Segmenter; from sam3fn.core.images import from_array; "
            f"s = Segmenter(load_model({str(model_dir)!r}, {device!r}, {precision!r}, backend={backend!r}, "
            f"engine_dir={str(engine_dir) if engine_dir else None!r})); "
            f"s.warm_up(from_array(np.zeros((64, 64, 3), np.uint8)), {MAX_PROMPTS})")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return round(time.perf_counter() - start, 2)


def device_name(dev: torch.device) -> str:
    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or platform.machine()


def versions() -> dict:
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "cuda": torch.version.cuda,
            "python": platform.python_version()}


def table(doc: dict) -> str:
    cols = ["backend", "precision", "image_ms", "text_ms", "decode_ms", "e2e_p50_ms", "e2e_8prompt_ms",
            "extra_prompt_ms", "e2e_100inst_ms", "instances_default", "instances_kept", "peak_gb", "batch8_peak_gb", "cold_start_s"]
    lines = [f"# SAM 3 model latency, {doc['date']}", "",
             f"Device: {next((r['gpu'] for r in doc['records'] if 'gpu' in r), '-')}; config: {doc['config']} (random weights); "
             f"versions: {doc['versions']}; iterations: {doc['iterations']} (median).", "",
             "| " + " | ".join(cols) + " | throughput img/s (b1/b4/b8) |", "|" + "---|" * (len(cols) + 1)]
    for r in doc["records"]:
        if "error" in r:
            lines.append(f"| {r['backend']} | {r['precision']} | failed: {r['error']} |")
            continue
        t = r["throughput_images_per_s"]
        lines.append("| " + " | ".join(str(r.get(c)) for c in cols) + f" | {t['1']}/{t['4']}/{t['8']} |")
    return "\n".join(lines) + "\n"


def new_doc(config: str, iterations: int) -> dict:
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "config": config,
            "iterations": iterations, "versions": versions(), "records": []}


def write(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(doc, indent=2))
    path.with_suffix(".md").write_text(table(doc))


def run_one(model_dir: Path, engine_dir: Path | None, run: str, device: str, iterations: int) -> dict:
    backend, precision = run.split(":")
    print(f"measuring {backend} {precision} ...", flush=True)
    try:
        record = measure(model_dir, engine_dir, backend, precision, device, iterations)
        record["cold_start_s"] = cold_start(model_dir, engine_dir, backend, precision, device)
    except Exception as exc:  # noqa: BLE001 - GPU time is scarce: record the failure, measure the rest
        detail = exc.stderr.decode(errors="replace")[-300:] if isinstance(exc, subprocess.CalledProcessError) else ""
        record = {"backend": backend, "precision": precision, "error": f"{type(exc).__name__}: {exc} {detail}".strip()}
    print(json.dumps(record), flush=True)
    return record


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", choices=["full", "tiny"], default="full")
    p.add_argument("--device", default="cuda")
    p.add_argument("--runs", nargs="+", default=["eager:fp32", "eager:fp16", "eager:bf16"],
                   help="backend:precision pairs; aoti/tensorrt need --engine-dir")
    p.add_argument("--engine-dir", type=Path)
    p.add_argument("--model-dir", type=Path, help="reuse a random model directory instead of writing one")
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--into", type=Path, help="the JSON to write (default: a new dated file under --out); "
                                                "an existing one (same config) gets these configurations added")
    args = p.parse_args(argv)
    path = args.into or args.out / f"model-latency-{args.config}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
    if path.exists():
        doc = json.loads(path.read_text())
        if doc["config"] != args.config:
            p.error(f"{path} holds the {doc['config']} config, not {args.config}")
    else:
        doc = new_doc(args.config, args.iterations)
        path.parent.mkdir(parents=True, exist_ok=True)
    model_dir = args.model_dir or write_tiny_model(Path(tempfile.mkdtemp()) / f"sam3-{args.config}-random",
                                                   full_size=args.config == "full")
    failed = 0
    for run in args.runs:
        doc["records"].append(run_one(model_dir, args.engine_dir, run, args.device, args.iterations))
        failed += "error" in doc["records"][-1]
        write(doc, path)
    print(f"wrote {path}\n" + table(doc))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
