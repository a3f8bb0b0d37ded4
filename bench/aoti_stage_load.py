"""Load time of each AOTInductor stage: from its package (extracted into /tmp) vs unpacked, in place.

    python bench/aoti_stage_load.py --engine-dir ENGINES/aoti --device cpu --out bench/results   # or cuda

Each load runs in a fresh process (as a cold start does) and only the load is timed, torch's import and
CUDA's initialisation excluded; the forms alternate so both see the same page cache. The files are
read once first: at a cold start the manifest's checksums have just read them. Engines built before
engine_build unpacked packages are unpacked here into a scratch directory.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import torch

from engine_build.backends import unpack_aoti
from sam3fn.core.aot_engine import STAGES, file_sha256, stage_files

LOAD = """
import json, sys, time
from pathlib import Path
import torch
from sam3fn.core.aoti_stage import load_aoti_package, load_unpacked
form, path, device = sys.argv[1], Path(sys.argv[2]), torch.device(sys.argv[3])
if device.type == "cuda":
    torch.cuda.init()
    torch.empty(1, device=device)  # the CUDA context exists before the clock starts
start = time.perf_counter()
stage = load_unpacked(path, device) if form == "unpacked" else load_aoti_package(path, device)
if device.type == "cuda":
    torch.cuda.synchronize(device)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def load_seconds(form: str, path: Path, device: str) -> float:
    proc = subprocess.run([sys.executable, "-c", LOAD, form, str(path), device], capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def stage_paths(engine_dir: Path, scratch: Path) -> dict[str, tuple[Path, Path]]:
    """Each stage's (package, unpacked library), unpacking into `scratch` where the build did not."""
    manifest = json.loads((engine_dir / "manifest.json").read_text())
    paths = {}
    for name in STAGES:
        entry = manifest["stages"][name]
        source = stage_files(engine_dir, entry)  # the unpacked form the function would load, if any
        if source.library:
            library = source.path / source.library
        else:
            library = scratch / name / unpack_aoti(engine_dir / entry["file"], scratch / name)["library"]
        paths[name] = (engine_dir / entry["file"], library)
    return paths


def measure(name: str, package: Path, library: Path, device: str, runs: int) -> dict:
    for file in (package, *library.parent.rglob("*")):
        if file.is_file():
            file_sha256(file)  # into the page cache, as the cold start's checksum check leaves it
    samples = {"package": [], "unpacked": []}
    for _ in range(runs):
        for form, path in (("package", package), ("unpacked", library)):
            samples[form].append(load_seconds(form, path, device))
    return {"stage": name, "package_mb": round(package.stat().st_size / 2**20, 1),
            "package_s": round(statistics.median(samples["package"]), 3),
            "unpacked_s": round(statistics.median(samples["unpacked"]), 3),
            "samples": {k: [round(v, 3) for v in s] for k, s in samples.items()}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine-dir", type=Path, required=True, help="an aoti engine directory (manifest.json inside)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--label", default="", help="added to the result's file name (e.g. the model size)")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args(argv)
    manifest = json.loads((args.engine_dir / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="aoti-unpacked-") as scratch:
        paths = stage_paths(args.engine_dir, Path(scratch))
        records = []
        for name, (package, library) in paths.items():
            records.append(measure(name, package, library, args.device, args.runs))
            print(json.dumps(records[-1]), flush=True)
    dev = torch.device(args.device)
    where = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{platform.machine()} CPU"
    stamp = datetime.now(timezone.utc)
    doc = {"date": stamp.isoformat(timespec="seconds"), "device": where, "torch": torch.__version__,
           "engine": {k: manifest.get(k) for k in ("backend", "precision", "model")}, "runs": args.runs,
           "records": records}
    args.out.mkdir(parents=True, exist_ok=True)
    label = f"-{args.label}" if args.label else ""
    base = args.out / f"aoti-stage-load-{dev.type}{label}-{stamp:%Y%m%dT%H%M%S}"
    base.with_suffix(".json").write_text(json.dumps(doc, indent=2))
    total = {form: round(sum(r[f"{form}_s"] for r in records), 3) for form in ("package", "unpacked")}
    lines = [f"# AOTInductor stage load, {doc['date']}", "",
             f"Device: {where}; torch {torch.__version__}; engine {doc['engine']['precision']} "
             f"({(doc['engine']['model'] or {}).get('name')}); median of {args.runs} fresh processes per form (s).", "",
             "| stage | package MB | package (extracted into /tmp) | unpacked, loaded in place |", "|---|---|---|---|"]
    lines += [f"| {r['stage']} | {r['package_mb']} | {r['package_s']} | {r['unpacked_s']} |" for r in records]
    lines.append(f"| all | {round(sum(r['package_mb'] for r in records), 1)} | {total['package']} | {total['unpacked']} |")
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
