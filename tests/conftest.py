"""Shared fixtures: the tiny random SAM 3 (generated once per session) and test images."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from sam3fn.core.tiny_model import write_tiny_model
from support.images import encode, scene_pixels
from support.tiny_argos import build_tiny_argos_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("models") / "sam3-tiny")


@dataclass(frozen=True)
class BenchSmoke:
    """One run of `bench/gpu_bench.sh --smoke`: its exit, output, results and work directories."""

    returncode: int
    output: str
    results: Path
    work: Path


@pytest.fixture(scope="session")
def bench_smoke(tiny_model_dir, tmp_path_factory) -> BenchSmoke:
    """The GPU benchmark's CPU form, run once on the tiny model. Its engine build (a minute and a half of
    AOTInductor compiling on two cores) is also the build the engine tests load, so CI compiles the tiny
    engines once, through the command line the GPU run uses. On the CPU `--autotune default` (the bench's
    choice) and `max` (engine_build's default) compile the same thing: max only changes GPU kernels."""
    root = Path(__file__).resolve().parents[1]
    base = tmp_path_factory.mktemp("bench-smoke")
    shutil.copytree(tiny_model_dir, base / "work" / "model")  # the bench reuses a model it finds there
    env = {**os.environ, "PYTHON": sys.executable, "SAM3FN_BENCH_WORK": str(base / "work")}
    proc = subprocess.run(["bash", str(root / "bench" / "gpu_bench.sh"), "--smoke", str(base / "results")], env=env,
                          capture_output=True, text=True, timeout=900, cwd=root)
    return BenchSmoke(proc.returncode, proc.stdout + proc.stderr, base / "results", base / "work")


@pytest.fixture(scope="session")
def loaded_model(tiny_model_dir):
    from sam3fn.core.loader import load_model

    return load_model(tiny_model_dir, device="cpu", precision="fp32")


@pytest.fixture
def scene_png() -> bytes:
    return encode(scene_pixels())


# argostranslate fixes its data directories for the whole process when first imported, so every test
# that uses Argos (translation and web tests alike) shares the one session-wide `argos_home`.
# Kept across sessions (keyed by a hash of everything that shapes the model): training takes seconds.
TINY_ARGOS_CACHE = Path(tempfile.gettempdir()) / "sam3fn-tests" / "tiny-argos"


@pytest.fixture(scope="session")
def tiny_argos_model() -> Path:
    return build_tiny_argos_model(TINY_ARGOS_CACHE)


@pytest.fixture(scope="session")
def argos_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("argos-home")
