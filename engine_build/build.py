"""Build engines for the three stages, gate each on parity with float32 eager, write the manifest."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import shutil
import socket
import time
from pathlib import Path

import torch
from torch.utils import _pytree as pytree

from sam3fn.core.aot_engine import file_sha256  # the runtime's own checksum and loaders
from sam3fn.core.aoti_stage import load_aoti_package, load_unpacked
from sam3fn.core.loader import load_model, resolve_device
from sam3fn.core.model_dir import check_model_dir, weights_fingerprint
from sam3fn.core.trt_engine import load_tensorrt_program

from . import backends, toolchain
from .load_check import check_in_child
from .manifest import device_facts, write_manifest
from .parity import failures, parity_metrics
from .stages import MAX_IMAGES, MAX_PROMPTS, TEXT_TOKENS, export_stage, stage_specs

EXT = {"aoti": ".pt2", "tensorrt": ".ep"}


class ParityFailure(RuntimeError):
    pass


def _say(message: str) -> None:
    print(message, flush=True)


def _fresh_inputs(image_size: int, vocab: int, device, seed: int = 1234):
    g = torch.Generator(device="cpu").manual_seed(seed)
    pixels = torch.randn(1, 3, image_size, image_size, generator=g).to(device)
    ids = torch.randint(0, vocab, (3, TEXT_TOKENS), generator=g).to(device)
    mask = torch.zeros(3, TEXT_TOKENS, dtype=torch.long, device=device)
    for row, length in enumerate((4, 9, 17)):
        mask[row, :length] = 1
    return pixels, ids, mask


def _chain(fns: dict, dtypes: dict, pixels, ids, mask):
    """image -> text -> decoder, each stage fed the previous stage's output cast to its own input dtype."""
    feats = fns["image"](pixels.to(dtypes["image"]))
    text = fns["text"](ids, mask)
    dtype = dtypes["decoder"]
    return fns["decoder"](*(f[:1].to(dtype).contiguous() for f in feats), text.to(dtype), mask)


def _load_aoti(package: Path, unpack_to: Path, dev, example: tuple):
    """A compiled stage as the function will load it, -> (stage, manifest `unpacked` entry or None):
    unpacked beside its package and loaded in place, once it computes what the package computes on
    `example`; else from the package itself (the function then does the same, since the manifest has no
    unpacked form). A failure of the unpacked form must not cost the build: the package stays the
    reference. Both are loaded in a child process first (`load_check`): a loader that crashes there stops
    the build with that said, instead of taking the build's process down."""
    try:
        unpacked = backends.unpack_aoti(package, unpack_to)
    except ValueError as exc:
        unpacked, why = None, str(exc)
    library = unpack_to / unpacked["library"] if unpacked else None
    if not check_in_child(str(dev), package, library) and unpacked:
        unpacked, why = None, "loading it crashed or failed in a fresh process"
    from_package = load_aoti_package(package, dev)
    if unpacked is not None:
        try:
            stage = load_unpacked(library, dev)
            with torch.no_grad():
                _check_same(stage(*example), from_package(*example))
            return stage, unpacked
        except (RuntimeError, ValueError, TypeError) as exc:  # TypeError: a torch whose runner takes other arguments
            why = str(exc)
    _say(f"[{unpack_to.name}] the unpacked package is not usable ({why}); the function will load the package")
    shutil.rmtree(unpack_to, ignore_errors=True)
    return from_package, None


def _check_same(got, want) -> None:
    """The same compiled kernels on the same inputs: equal up to run-to-run reduction order."""
    got, want = pytree.tree_leaves(got), pytree.tree_leaves(want)
    if len(got) != len(want) or any(a.shape != b.shape or not torch.allclose(a.float(), b.float(), rtol=1e-3, atol=1e-3)
                                     for a, b in zip(got, want)):
        raise ValueError("its outputs differ from the package's")


def _preflight(weights: Path, backend: str, device: str) -> None:
    """Fail on what needs no compiling before `out` is made and a stage exported (minutes at full size):
    an empty engine directory left behind, or a TensorRT build stopping after the image stage's export."""
    check_model_dir(weights)
    resolve_device(device)
    if backend == "tensorrt":
        try:
            importlib.import_module("torch_tensorrt")
        except ImportError as exc:
            raise ImportError(f"--backend tensorrt needs torch-tensorrt and TensorRT, on a CUDA GPU ({exc}): "
                              "install them (pip install torch-tensorrt) or build with --backend aoti") from None


def _with_compiler(inductor: dict) -> dict:
    """`inductor` with `cpp.cxx` set to a C++ compiler whose libraries run in this process (`toolchain`):
    the one asked for, checked, else the first that passes. Seconds, before minutes of exporting."""
    asked = inductor.get("cpp.cxx")
    explicit = [asked] if isinstance(asked, str) else [c for c in asked if c] if asked else None
    compiler, checks = toolchain.choose(explicit)
    for refused in checks[:-1]:
        _say(f"[toolchain] not {refused.compiler}: {refused.outcome}")
    _say(f"[toolchain] AOTInductor compiles with {compiler}")
    return {**inductor, "cpp.cxx": [compiler]}


def build(weights: Path, out: Path, backend: str, precision: str, device: str = "auto", autotune: str = "max",
          inductor: dict | None = None) -> dict:
    """Export, compile and parity-check the three stages into `out`; `autotune` (aoti only): max | default;
    `inductor` (aoti only): more Inductor settings, by name.

    Built in a staging directory beside `out` and moved into place only once every stage passed: a build
    that fails (parity, a compiler error, a full disk, Ctrl-C) leaves the engines already in `out` as they
    were, and never a half-written `out` that a later build or the function would take for an engine."""
    _preflight(weights, backend, device)
    if backend == "aoti":
        inductor = _with_compiler(inductor or {})
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    # Not tempfile.mkdtemp: its mode 0700 would reach `out`, unreadable to a function running as another user.
    staging = out.with_name(f".{out.name}.building-{_HOST}-{os.getpid()}-{secrets.token_hex(4)}")
    staging.mkdir()
    try:
        stages = _build_into(staging, weights, backend, precision, device, autotune, inductor or {})
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _say(f"engines written to {out}")
    return stages


_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname()) or "host"


def _remove_abandoned(out: Path) -> None:
    """Remove the staging and replaced directories that builds killed outright (SIGKILL, the OOM killer
    during autotuning: no `finally` runs) left beside `out`, gigabytes each at full size. Only this
    host's, and only those whose process is gone: a build running now, here or on another machine
    sharing the directory, keeps its own."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(building|replaced)-{_HOST}-(\d+)-[0-9a-f]+")
    for path in out.parent.iterdir():
        found = pattern.fullmatch(path.name)
        if found and not _alive(int(found.group(2))):
            _say(f"removing {path.name}, left by a build that was killed")
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _publish(staging: Path, out: Path) -> None:
    """Put the finished build `staging` where `out` is, replacing what was there. Two renames within one
    directory: `out` is missing only between them, and if the second fails the old engines go back."""
    old = None
    if out.exists():
        old = out.with_name(staging.name.replace(".building-", ".replaced-"))
        out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _build_into(out: Path, weights: Path, backend: str, precision: str, device: str, autotune: str,
                inductor: dict) -> dict:
    """The build itself, into the (empty) directory `out`."""
    reference = load_model(weights, device, "fp32", backend="eager")
    dev = reference.device
    target = reference if precision == "fp32" else load_model(weights, str(dev), precision, backend="eager")
    model, ref_model = target.engine.model, reference.engine.model
    dtype = target.engine.dtype
    size, vocab = target.spec.size, model.config.text_config.vocab_size
    specs = stage_specs(model, size, vocab, dev, dtype)
    ref_specs = {s.name: s.module for s in stage_specs(ref_model, size, vocab, dev, torch.float32)}
    pixels, ids, mask = _fresh_inputs(size, vocab, dev)
    fp32 = {name: torch.float32 for name in ref_specs}
    with torch.no_grad():
        want = _chain(ref_specs, fp32, pixels, ids, mask)
    limits = {"images": MAX_IMAGES, "prompts": MAX_PROMPTS}
    stages, runners = {}, {}
    for spec in specs:
        started = time.perf_counter()
        _say(f"[{spec.name}] exporting")
        program = export_stage(spec, model)
        _say(f"[{spec.name}] compiling with {backend} ({precision}, {dev.type})")
        path = out / f"{spec.name}{EXT[backend]}"
        unpacked = None
        if backend == "aoti":
            backends.compile_aoti(program, path, dev, autotune, extra=inductor)
            runners[spec.name], unpacked = _load_aoti(path, out / spec.name, dev, spec.example)
        else:
            backends.compile_tensorrt(program, spec.example, spec.dynamic, limits, precision, path)
            runners[spec.name] = load_tensorrt_program(path, dev)
        # Parity: this stage compiled, every other stage float32 eager, on inputs it never saw.
        with torch.no_grad():
            got = _chain({**ref_specs, spec.name: runners[spec.name]}, {**fp32, spec.name: dtype}, pixels, ids, mask)
        metrics = parity_metrics(want, got)
        bad = failures(metrics)
        seconds = time.perf_counter() - started
        stages[spec.name] = {"file": path.name, "sha256": file_sha256(path), "parity": metrics, "passed": not bad,
                             "build_seconds": round(seconds, 1),
                             "inputs": [list(t.shape) for t in spec.example], "dynamic_batch": True,
                             "max_batch": spec.max_batch}
        if unpacked:
            stages[spec.name]["unpacked"] = unpacked
        _say(f"[{spec.name}] parity {'PASS' if not bad else 'FAIL'} in {seconds:.0f} s: "
             + ", ".join(f"{k}={v:.6g}" for k, v in metrics.items()))
        if bad:
            raise ParityFailure(f"stage {spec.name} failed the parity gate: {'; '.join(bad)}")
    model_facts = {"dir": str(weights), "name": target.model_dir.name, "random_weights": target.model_dir.random_weights,
                   "image_size": size, "weights": weights_fingerprint(weights)}
    options = {"autotune": autotune, "inductor": backends.aoti_options(dev, autotune, inductor)} if backend == "aoti" else {}
    write_manifest(out, backend=backend, precision=precision, device=dev, model=model_facts, stages=stages,
                   options=options)
    _summary(stages, backend, precision, dev)
    return stages


def _summary(stages: dict, backend: str, precision: str, device) -> None:
    facts = device_facts(device)
    _say(f"\nengine: {backend} {precision} on {facts['name']} ({facts['type']})")
    _say("| stage | build s | loads from | mask cosine | box max abs | score max abs | mask IoU top20 | gate |")
    _say("|---|---|---|---|---|---|---|---|")
    for name, s in stages.items():
        p = s["parity"]
        source = f"{s['unpacked']['dir']}/" if s.get("unpacked") else s["file"]
        _say(f"| {name} | {s['build_seconds']} | {source} | {p['mask_cosine']:.6f} | {p['box_max_abs']:.2e} | "
             f"{p['score_max_abs']:.2e} | {p['mask_iou_top20']:.4f} | {'pass' if s['passed'] else 'FAIL'} |")
