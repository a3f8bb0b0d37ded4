"""The engine parity gate applied to eager half precision: how close a compiled stage can be expected to get.

    python bench/parity_eager.py --config full --device cpu --precision fp16 --out bench/results

engine_build gates each compiled stage against float32 eager (engine_build/parity.py). This runs the
same chain, inputs and metrics with the stage in eager fp16/bf16 instead of compiled, so it answers,
without a GPU or a compiler, whether a precision can pass the gate at all on this model. Full-size SAM 3
architecture with random weights (the real weights are gated); `--config tiny` is a quick smoke run.
Writes JSON plus a markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # engine_build is a folder of the repo, not installed
from engine_build.build import _chain, _fresh_inputs
from engine_build.parity import GATES, failures, parity_metrics
from engine_build.stages import DecoderStage, ImageStage, TextStage
from model_latency import device_name, versions  # bench/ is this script's own folder, first on sys.path
from sam3fn.core.loader import load_model
from sam3fn.core.tiny_model import write_tiny_model

STAGES = {"image": ImageStage, "text": TextStage, "decoder": DecoderStage}


def stage_modules(model) -> dict:
    return {name: cls(model).eval() for name, cls in STAGES.items()}


def measure(model_dir: Path, device: str, precision: str, stages: list[str]) -> list[dict]:
    reference = load_model(model_dir, device, "fp32", backend="eager")
    lowered = load_model(model_dir, device, precision, backend="eager")
    ref, low = stage_modules(reference.engine.model), stage_modules(lowered.engine.model)
    vocab = reference.engine.model.config.text_config.vocab_size
    pixels, ids, mask = _fresh_inputs(reference.spec.size, vocab, reference.device)
    fp32 = {name: torch.float32 for name in STAGES}
    with torch.no_grad():
        want = _chain(ref, fp32, pixels, ids, mask)
    records = []
    for stage in stages:
        started = time.perf_counter()
        with torch.no_grad():
            got = _chain({**ref, stage: low[stage]}, {**fp32, stage: lowered.engine.dtype}, pixels, ids, mask)
        metrics = parity_metrics(want, got)
        records.append({"stage": stage, "precision": precision, **metrics, "failures": failures(metrics),
                        "seconds": round(time.perf_counter() - started, 1)})
        print(json.dumps(records[-1]), flush=True)
    return records


def table(doc: dict) -> str:
    lines = [f"# Parity gate on eager {doc['precision']}, {doc['date']}", "",
             f"Device: {doc['device']}; config: {doc['config']} (random weights); versions: {doc['versions']}.",
             "Each stage lowered alone, the others float32 eager, against float32 eager on fresh random inputs.",
             "", "| stage | " + " | ".join(f"{k} ({d} {b})" for k, (d, b) in GATES.items()) + " | gate |",
             "|---|" + "---|" * (len(GATES) + 1)]
    for r in doc["records"]:
        values = " | ".join(f"{r[k]:.6g}" for k in GATES)
        lines.append(f"| {r['stage']} | {values} | {'pass' if not r['failures'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", choices=["full", "tiny"], default="full")
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", choices=["fp16", "bf16"], default="fp16")
    p.add_argument("--stages", nargs="+", choices=list(STAGES), default=["decoder", "text", "image"])
    p.add_argument("--model-dir", type=Path, help="reuse a random model directory instead of writing one")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args(argv)
    model_dir = args.model_dir or write_tiny_model(Path(tempfile.mkdtemp()) / f"sam3-{args.config}-random",
                                                   full_size=args.config == "full")
    records = measure(model_dir, args.device, args.precision, args.stages)
    stamp = datetime.now(timezone.utc)
    dev = torch.device(args.device)
    doc = {"date": stamp.isoformat(timespec="seconds"), "config": args.config, "precision": args.precision,
           "device": device_name(dev), "versions": versions(), "records": records}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"parity-eager-{args.config}-{args.precision}-{dev.type}-{stamp:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(doc, indent=2))
    path.with_suffix(".md").write_text(table(doc))
    print(table(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
