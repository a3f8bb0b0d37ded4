"""Can this machine load an AOTInductor package at all, and in which form? A two-layer module, four ways.

    PYTHONPATH=. python bench/aoti_load_probe.py --device cuda --out bench/results     # or cpu

On the device tool's H200 (torch 2.11.0+cu130, driver 580, 2026-11-25) every AOTInductor CUDA load
ended its process with SIGSEGV, the SAM 3 stages and a two-layer module alike, torch's own
`aoti_load_package` included. This separates "the engine is wrong" from "this machine's torch cannot
load any engine" in under a minute, before a build that takes minutes: it compiles Linear + GELU with
a dynamic batch, then loads it in fresh processes with torch's public loader, the function's package
loader and the function's loader of the unpacked library, and runs it once each. A crash ends only its
child; the record says how far each got. It does so for each package form in VARIANTS and names the
first form every loader ran (`working`), which `gpu_bench.sh` hands to engine_build
(`--inductor-option`). Also records what each compiled library links (ldd) and the CUDA toolkit
Inductor compiled with, and, where a debugger is installed (gdb, or the cuda-gdb of the H200's image,
which has no gdb), the native backtrace of the first crash: Python's fault handler shows only that the
crash is inside the loader's constructor, not which native function fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import torch

from engine_build.backends import unpack_aoti
from engine_build import toolchain
from engine_build.load_check import how_it_ended, last_line

LOADERS = ("torch.aoti_load_package", "sam3fn.load_aoti_package", "sam3fn.load_unpacked")
# Each variant changes one thing about the package, so which ones load says where a loader breaks:
# a module without weights (no constants to load), kernels embedded in the library instead of cubin
# files beside it, weights memory-mapped from the library instead of linked in as an object.
VARIANTS = {
    "default": {},
    "no-weights": {},
    "embedded-kernels": {"aot_inductor.embed_kernel_binary": True},
    "mmap-weights": {"aot_inductor.force_mmap_weights": True},
}

CHILD = """
import faulthandler, sys
from pathlib import Path
import torch
faulthandler.enable()
loader, path, device = sys.argv[1], Path(sys.argv[2]), torch.device(sys.argv[3])
x = torch.randn(4, 8, device=device, dtype=torch.float16 if device.type == "cuda" else torch.float32)
print("inputs made", flush=True)
if loader == "torch.aoti_load_package":
    run = torch._inductor.aoti_load_package(str(path))
else:
    from sam3fn.core.aoti_stage import load_aoti_package, load_unpacked
    run = (load_aoti_package if loader == "sam3fn.load_aoti_package" else load_unpacked)(path, device)
print("loaded", flush=True)
out = run(x)
out = out[0] if isinstance(out, (list, tuple)) else out
print("ran", tuple(out.shape), flush=True)
"""


def compile_module(device: torch.device, package: Path, variant: str, compiler: str) -> None:
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    layers = [torch.nn.GELU()] if variant == "no-weights" else [torch.nn.Linear(8, 8), torch.nn.GELU()]
    module = torch.nn.Sequential(*layers).to(device, dtype)
    example = (torch.randn(4, 8, device=device, dtype=dtype),)
    with torch.no_grad():
        program = torch.export.export(module, example, dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=16)},))
    # a copy: aoti_compile_and_package writes its own settings into the dict it is given
    torch._inductor.aoti_compile_and_package(program, package_path=str(package),
                                             inductor_configs={**VARIANTS[variant], "cpp.cxx": [compiler]})


def probe_variant(device: torch.device, variant: str, scratch: Path, compiler: str,
                  backtrace_wanted: bool = False) -> dict:
    """Compile `variant` with the C++ `compiler`, unpack it, and load it with each loader in a fresh
    process; with `backtrace_wanted`, the first loader that crashed runs again under a debugger."""
    record = {"variant": variant, "inductor_options": VARIANTS[variant], "compiled": "ok", "loads": [], "links": []}
    package = scratch / f"{variant}.pt2"
    try:
        compile_module(device, package, variant, compiler)
        unpacked = unpack_aoti(package, scratch / variant)
    except Exception as exc:  # noqa: BLE001 - a setting this torch lacks, a compiler error: recorded, the rest go on
        record["compiled"] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return record
    library = scratch / variant / unpacked["library"]

    def loads_from(loader: str) -> Path:
        return library if loader.endswith("unpacked") else package

    record["loads"] = [try_loader(loader, loads_from(loader), str(device)) for loader in LOADERS]
    record["links"] = links(library)
    crashed = next((load for load in record["loads"] if load["outcome"].startswith("crashed")), None)
    if backtrace_wanted and crashed and (tool := debugger()):
        record["native_backtrace"] = native_backtrace(tool, crashed["loader"], loads_from(crashed["loader"]), str(device))
    return record


def working(records: list[dict]) -> str | None:
    """The first variant with weights that every loader loaded and ran: the form engines should take."""
    return next((r["variant"] for r in records if r["variant"] != "no-weights" and r["loads"]
                 and all(load["outcome"] == "ok" for load in r["loads"])), None)


def try_loader(loader: str, path: Path, device: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, loader, str(path), device], capture_output=True, text=True,
                          timeout=600)
    said = proc.stdout.splitlines()
    reached = said[-1].split(" (")[0] if said else "nothing"
    outcome = "ok" if proc.returncode == 0 else how_it_ended(proc)
    return {"loader": loader, "outcome": outcome, "reached": reached}


def debugger() -> str | None:
    from torch.utils.cpp_extension import CUDA_HOME

    found = shutil.which("gdb") or shutil.which("cuda-gdb")
    if found is None and CUDA_HOME and Path(CUDA_HOME, "bin", "cuda-gdb").exists():
        found = str(Path(CUDA_HOME, "bin", "cuda-gdb"))
    return found


def native_backtrace(tool: str, loader: str, path: Path, device: str) -> dict:
    """Run one crashing load again under `tool` (gdb or cuda-gdb, in batch mode) -> its stop and frames."""
    commands = ["set pagination off", "set confirm off", "run", "bt 40", "info registers rip", "x/3i $pc"]
    argv = [tool, "-q", "-nx", "-batch", *[a for c in commands for a in ("-ex", c)],
            "--args", sys.executable, "-c", CHILD, loader, str(path), device]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=420)
    except subprocess.TimeoutExpired:
        return {"loader": loader, "debugger": tool, "stop": "timed out", "frames": []}
    lines = proc.stdout.splitlines()
    stop = next((line for line in lines if "received signal" in line), last_line(proc.stderr) or "no stop seen")
    frames = [line[:240] for line in lines if line.startswith("#")]  # (arguments can run to pages)
    tail = [line for line in lines[-6:] if line.startswith(("rip", "=>", "   0x"))]
    return {"loader": loader, "debugger": tool, "stop": stop, "frames": frames, "instructions": tail}


def toolchain_facts() -> dict:
    from torch.utils.cpp_extension import CUDA_HOME

    facts = {"torch": torch.__version__, "torch_cuda": torch.version.cuda, "python": platform.python_version(),
             "cuda_home": CUDA_HOME, "CXX": os.environ.get("CXX")}  # Inductor's compiler unless told otherwise
    nvcc = shutil.which("nvcc") or (f"{CUDA_HOME}/bin/nvcc" if CUDA_HOME else None)
    if nvcc and Path(nvcc).exists():
        facts["nvcc"] = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    if shutil.which("nvidia-smi"):
        facts["driver"] = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                                         capture_output=True, text=True).stdout.strip()
    return facts


def links(library: Path) -> list[str]:
    if not shutil.which("ldd"):
        return []
    lines = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout.splitlines()
    return [line.strip() for line in lines if any(k in line for k in ("cuda", "torch", "c10", "not found"))]


def table(result: dict) -> str:
    rows = []
    for record in result["variants"]:
        options = ", ".join(f"{k}={v}" for k, v in record["inductor_options"].items()) or "defaults"
        if record["compiled"] != "ok":
            rows.append(f"| {record['variant']} ({options}) | compile {record['compiled']} | |")
        rows += [f"| {record['variant']} ({options}) | {r['loader']}: {r['outcome']} | {r['reached']} |"
                 for r in record["loads"]]
    facts = ", ".join(f"{k}: {v}" for k, v in result["toolchain"].items())
    compilers = "; ".join(f"{c['compiler']}: {c['outcome']}" for c in result["compilers"]) or "none found"
    linked = "; ".join(f"{r['variant']}: {', '.join(r['links']) or 'n/a'}" for r in result["variants"])
    return (f"# AOTInductor load probe, {result['date']}\n\nDevice: {result['device']}; {facts}.\n"
            f"A Linear(8, 8) + GELU module (GELU alone for no-weights), compiled with aoti_compile_and_package "
            f"per variant, loaded in a fresh process per loader and run once (`bench/aoti_load_probe.py`).\n\n"
            f"C++ compilers checked (engine_build.toolchain; the first that is ok compiles): {compilers}\n\n"
            f"| variant | loader: outcome | last step reached |\n|---|---|---|\n" + "\n".join(rows) +
            f"\n\nWorking variant (every loader ran it): {result['working'] or 'none'}\n\nThe compiled libraries link: "
            f"{linked}\n" + "".join(_backtrace_section(r) for r in result["variants"] if r.get("native_backtrace")))


def _backtrace_section(record: dict) -> str:
    trace = record["native_backtrace"]
    body = "\n".join([trace["stop"], *trace["frames"], *trace.get("instructions", [])])
    return (f"\nNative backtrace, {record['variant']} form, {trace['loader']} under "
            f"{Path(trace['debugger']).name}:\n\n```\n{body}\n```\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--all", action="store_true", help="try every variant, not only until one works")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--backtrace", action="store_true",
                        help="run the first loader that crashes again under gdb or cuda-gdb, once (minutes: the "
                             "debugger reads libtorch's symbols)")
    parser.add_argument("--options-out", type=Path,
                        help="write the working form's Inductor settings here, one KEY=VALUE (JSON value) per line, "
                             "as engine_build --inductor-option takes them")
    args = parser.parse_args()
    device = torch.device(args.device)
    records: list[dict] = []
    try:  # the compiler engine_build would use: one whose libraries run in a torch process
        compiler, checks = toolchain.choose()
    except toolchain.ToolchainUnusable as exc:
        compiler, checks = None, exc.checks
    with tempfile.TemporaryDirectory() as scratch:
        for variant in args.variants if compiler else []:  # in order; the default form first, the others only where it fails
            # one backtrace is enough to read, and each costs minutes
            wanted = args.backtrace and not any(r.get("native_backtrace") for r in records)
            records.append(probe_variant(device, variant, Path(scratch), compiler, wanted))
            if working(records) and not args.all:
                break
    now = datetime.now(timezone.utc)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    result = {"date": now.isoformat(timespec="seconds"), "device": name, "toolchain": toolchain_facts(),
              "compilers": [{"compiler": c.compiler, "outcome": c.outcome} for c in checks],
              "variants": records, "working": working(records)}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"aoti-load-probe-{device.type}-{now:%Y%m%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    stem.with_suffix(".md").write_text(table(result))
    print(table(result))
    if args.options_out and result["working"] is not None:
        settings = VARIANTS[result["working"]].items()
        args.options_out.write_text("".join(f"{key}={json.dumps(value)}\n" for key, value in settings))
    if compiler is None:
        sys.exit(f"no C++ compiler here builds libraries that run in a torch process: see {stem}.md")
    if result["working"] is None:
        sys.exit(f"AOTInductor cannot load {device.type} packages on this machine in any form tried: see {stem}.md")


if __name__ == "__main__":
    main()
