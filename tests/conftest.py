"""Shared fixtures: the tiny random SAM 3 (generated once per session) and test images."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


BENCH_SMOKE_TIMEOUT_S = 900
NEEDS_BENCH_SMOKE = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config, items):
    """The bench smoke run (three minutes, one core busy compiling most of it) starts in the background
    when the session's first test does (`_bench_smoke_early`), and the modules that use it run last: the
    rest of the suite runs on the other core meanwhile. Whole modules move, so their module fixtures are
    made once; the order within each group is kept."""
    late = {item.path for item in items if "bench_smoke" in item.fixturenames}
    config.stash[NEEDS_BENCH_SMOKE] = bool(late)
    items[:] = sorted(items, key=lambda item: item.path in late)


@pytest.fixture(scope="session")
def bench_smoke_started(tiny_model_dir, tmp_path_factory):
    """`bench/gpu_bench.sh --smoke` on the tiny model, started -> (process, output file, base directory).
    Output goes to a file, not a pipe: nobody reads while the suite runs, and a full pipe would stall it."""
    root = Path(__file__).resolve().parents[1]
    base = tmp_path_factory.mktemp("bench-smoke")
    shutil.copytree(tiny_model_dir, base / "work" / "model")  # the bench reuses a model it finds there
    env = {**os.environ, "PYTHON": sys.executable, "SAM3FN_BENCH_WORK": str(base / "work")}
    log = base / "output.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", str(root / "bench" / "gpu_bench.sh"), "--smoke", str(base / "results")],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    started = time.monotonic()
    yield proc, log, base, started
    if proc.poll() is None:  # the session ended early (-x, Ctrl-C): its compilers go too
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the process and every compiler it started (its own session), and reap it."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="session", autouse=True)
def _bench_smoke_early(request):
    if request.config.stash.get(NEEDS_BENCH_SMOKE, False):
        request.getfixturevalue("bench_smoke_started")


@pytest.fixture(scope="session")
def bench_smoke(bench_smoke_started) -> BenchSmoke:
    """The GPU benchmark's CPU form, run once on the tiny model. Its engine build (a minute and a half of
    AOTInductor compiling on two cores) is also the build the engine tests load, so CI compiles the tiny
    engines once, through the command line the GPU run uses. On the CPU `--autotune default` (the bench's
    choice) and `max` (engine_build's default) compile the same thing: max only changes GPU kernels."""
    proc, log, base, started = bench_smoke_started
    try:
        proc.wait(timeout=max(1.0, BENCH_SMOKE_TIMEOUT_S - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        pytest.fail(f"bench/gpu_bench.sh --smoke ran past {BENCH_SMOKE_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")
    return BenchSmoke(proc.returncode, log.read_text(errors="replace"), base / "results", base / "work")


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
