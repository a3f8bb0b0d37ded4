"""One AOTInductor stage loaded for serving: from its package (.pt2), or from that package unpacked.

A package is a zip. torch's loader (`AOTIModelPackageLoader`) extracts it into a new /tmp directory on
every load and keeps it there while the process lives: at full size 1.6 GB written per cold start
(0.7 s for the image stage alone on the dev machines, `bench/results/aoti-stage-load-*.md`), and 1.6 GB
of memory where /tmp is memory (Cloud Run, a tmpfs volume). So engine_build also unpacks each package
once, at build time, into a directory beside it, and the function loads that directory in place with
the runner the package loader itself makes: torch's model-container runner for the package's device,
on its compiled library, with the directory as its kernel-binary (cubin) directory, single-threaded.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import torch
from torch.utils import _pytree as pytree  # part of torch's own import: no Inductor, no Dynamo

# Where a package keeps the compiled model named "model" (aoti_compile_and_package's default name).
PACKAGE_MODEL_DIR = "data/aotinductor/model"


class AotiStage:
    """One loaded stage: `stage(*tensors)` -> what the exported module returned.

    Calls go straight to torch's runner (`run`), as torch's `AOTICompiledModel` does, without importing
    that wrapper: its module pulls in Inductor and Dynamo, about 1 s of a compiled engine's cold start.
    Stages are loaded single-threaded (see `load_aoti_package`), which is safe for one caller at a time
    only, so callers queue on a lock; the server calls from its one inference thread anyway.
    """

    def __init__(self, runner) -> None:
        self._runner, self._lock = runner, threading.Lock()
        self._out_spec = pytree.treespec_loads(runner.get_call_spec()[1])

    def __call__(self, *tensors: torch.Tensor):
        with self._lock:
            flat = self._runner.run(list(tensors))
        return pytree.tree_unflatten(flat, self._out_spec)


def _cuda_index(device: torch.device) -> int:
    return device.index if device.index is not None else torch.cuda.current_device()


def load_aoti_package(path: Path, device: torch.device) -> AotiStage:
    """One AOTInductor package, loaded the way `torch._inductor.aoti_load_package` falls back to.

    `aoti_load_package` first probes this host's CPU instruction sets only to warn about a mismatch;
    where a C++ compiler is on PATH that compiles test programs and starts a Python process per
    instruction set (17 s of cold start on a fresh 2-core host, against 2 ms for this). The manifest
    check has already matched the device, compute capability, torch and, on CPUs, the instruction sets.

    Loaded single-threaded (torch: "useful to avoid conflicts with CUDAGraphs"): the default runner
    keeps a pool of model instances and, from the second call on, asks whether the last call's CUDA
    event has finished (`cudaEventQuery`) before it starts, waiting for it if not. That query is not
    allowed while a CUDA graph is being captured, and the wait stalls the host on the GPU every call.
    """
    index = _cuda_index(device) if device.type == "cuda" else -1
    return AotiStage(torch._C._aoti.AOTIModelPackageLoader(str(path), "model", True, 1, index))


def load_unpacked(library: Path, device: torch.device) -> AotiStage:
    """A package's compiled library (`*.so`) in the directory it was unpacked into, loaded in place.

    The same runner, arguments and single-threaded mode as `load_aoti_package`, without the extraction;
    the directory holds the package's kernel binaries (CUDA cubins), which the runner looks up there.
    torch's CPU runner takes no single-threaded flag: it has no CUDA events to query.
    """
    if device.type == "cuda":
        runner = torch._C._aoti.AOTIModelContainerRunnerCuda(
            str(library), 1, f"cuda:{_cuda_index(device)}", str(library.parent), True)
    elif device.type == "cpu":
        runner = torch._C._aoti.AOTIModelContainerRunnerCpu(str(library), 1)
    else:
        raise RuntimeError(f"no AOTInductor runner for {device.type} devices")
    return AotiStage(runner)


def read_metadata(path: Path, library: str | None = None) -> dict[str, str]:
    """A package's build metadata (AOTI_DEVICE_KEY, AOTI_MACHINE, AOTI_CPU_ISA, ...): from the package
    file, or, unpacked, from the JSON Inductor writes beside the library (`<name>.so` ->
    `<name>_metadata.json`)."""
    if library is None:
        return dict(torch._C._aoti.AOTIModelPackageLoader.load_metadata_from_package(str(path), "model"))
    return json.loads((Path(path) / (Path(library).stem + "_metadata.json")).read_text())
