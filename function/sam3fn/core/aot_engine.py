"""Ahead-of-time engines built by `engine_build`: checked against this host, then loaded.

An engine directory holds one compiled package per stage and `manifest.json`. An engine built for
another device type, GPU architecture, CPU instruction set, precision or library version is refused with
the reason (the loader logs it and falls back to the next backend), as is a package whose checksum does
not match.
"""

from __future__ import annotations

import hashlib
import json
import platform
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from torch.utils import _pytree as pytree  # part of torch's own import: no Inductor, no Dynamo

from .cuda_graphs import BUCKETS, GraphedStage
from .engine import ImageFeatures, RawOutputs
from .errors import Sam3fnError
from .versions import installed_version

STAGES = ("image", "text", "decoder")
# Libraries whose version an engine is tied to, per backend: AOTInductor packages call into libtorch;
# serialized TensorRT engines only load into the TensorRT (and torch-tensorrt runtime) that built them.
PINNED_LIBRARIES = {"aoti": ("torch",), "tensorrt": ("torch", "torch_tensorrt", "tensorrt")}
# The stages' calling convention. 2: the decoder takes one image's features (batch 1) for P prompts.
ENGINE_FORMAT = 2


class EngineUnusable(Sam3fnError):
    code = "engine_unusable"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_manifest(engine_dir: Path, backend: str, device: torch.device, precision: str) -> dict:
    """The manifest, if the engine fits this host; else EngineUnusable naming the mismatch."""
    path = Path(engine_dir) / "manifest.json"
    if not path.is_file():
        raise EngineUnusable(f"no manifest.json in {engine_dir}")
    manifest = json.loads(path.read_text())
    built = manifest.get("device", {})
    problems = []
    if manifest.get("format") != ENGINE_FORMAT:
        problems.append(f"engine format {manifest.get('format')} is not this runtime's {ENGINE_FORMAT}; rebuild it")
    if manifest.get("backend") != backend:
        problems.append(f"backend {manifest.get('backend')} is not {backend}")
    if manifest.get("precision") != precision:
        problems.append(f"built for {manifest.get('precision')}, running {precision}")
    if built.get("type") != device.type:
        problems.append(f"built for {built.get('type')}, running on {device.type}")
    elif device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        if built.get("capability") != f"{major}.{minor}":
            problems.append(f"built for compute capability {built.get('capability')}, this GPU is {major}.{minor}")
    built_with = manifest.get("versions", {})
    for library in PINNED_LIBRARIES.get(backend, ("torch",)):
        here = installed_version(library)
        if built_with.get(library) != here:
            problems.append(f"built with {library} {built_with.get(library)}, this host has {here or 'none'}")
    if problems:
        raise EngineUnusable(f"engine in {engine_dir} refused: " + "; ".join(problems))
    files = {}
    for stage in STAGES:
        entry = manifest.get("stages", {}).get(stage)
        if not entry:
            raise EngineUnusable(f"engine in {engine_dir} lacks the {stage} stage")
        file = Path(engine_dir) / entry["file"]
        if not file.is_file():
            raise EngineUnusable(f"engine file {file} is missing")
        files[file] = entry["sha256"]
    # Full-size packages hold gigabytes of weights and hashing runs at about 1 GB/s per core: hash the
    # stages side by side (hashlib releases the GIL) so the check costs the largest file, not the sum.
    with ThreadPoolExecutor(len(files)) as pool:
        digests = dict(zip(files, pool.map(file_sha256, files)))
    for file, expected in files.items():
        if digests[file] != expected:
            raise EngineUnusable(f"engine file {file}: its checksum does not match the manifest")
    if backend == "aoti" and device.type == "cpu":
        check_cpu_instructions(list(files))
    return manifest


# Inductor's names for the x86 instruction sets a CPU package may be compiled for (its AOTI_CPU_ISA).
X86_ISA = ("avx2", "avx512", "avx512_vnni", "amx_tile")


def missing_cpu_instructions(compiled_for: str, host: list[str]) -> list[str]:
    """The instruction sets in a package's AOTI_CPU_ISA (e.g. "AVX512 AVX512_VNNI") this CPU lacks."""
    return [isa for isa in compiled_for.lower().split() if isa in X86_ISA and isa not in host]


def host_cpu_instructions() -> list[str]:
    """The X86_ISA this CPU has, from CPUID through torch: the calls Inductor's `x86_isa_checker` makes,
    without importing Inductor (its import pulls in Dynamo: about 1 s of a CPU engine's cold start)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return []
    avx512 = torch.cpu._is_avx512_supported()
    found = {"avx2": torch.cpu._is_avx2_supported(), "avx512": avx512,
             "avx512_vnni": avx512 and torch.cpu._is_vnni_supported(), "amx_tile": torch.cpu._is_amx_tile_supported()}
    return [isa for isa in X86_ISA if found[isa]]


def check_cpu_instructions(files: list[Path]) -> None:
    """Refuse CPU packages compiled for instructions this CPU lacks: their kernels would crash the
    process (illegal instruction) instead of falling back. Reads each package's own metadata (no probe)."""
    host = host_cpu_instructions()
    for file in files:
        meta = torch._C._aoti.AOTIModelPackageLoader.load_metadata_from_package(str(file), "model")
        machine = meta.get("AOTI_MACHINE", platform.machine())
        if machine != platform.machine():
            raise EngineUnusable(f"engine file {file} was compiled for {machine}, this host is {platform.machine()}")
        missing = missing_cpu_instructions(meta.get("AOTI_CPU_ISA", ""), host)
        if missing:
            raise EngineUnusable(f"engine file {file} was compiled for CPU instructions this CPU lacks "
                                 f"({', '.join(missing)}); rebuild it on this host")


class PackageStage:
    """One loaded AOTInductor package: `stage(*tensors)` -> what the exported module returned.

    Calls go straight to torch's package runner (`AOTIModelPackageLoader.boxed_run`), as torch's
    `AOTICompiledModel` does, without importing that wrapper: its module pulls in Inductor and Dynamo,
    about 1 s of a compiled engine's cold start. The package is loaded single-threaded (see
    `load_aoti_package`), which is safe for one caller at a time only, so callers queue on a lock; the
    server calls from its one inference thread anyway.
    """

    def __init__(self, loader) -> None:
        self._loader, self._lock = loader, threading.Lock()
        self._out_spec = pytree.treespec_loads(loader.get_call_spec()[1])

    def __call__(self, *tensors: torch.Tensor):
        with self._lock:
            flat = self._loader.boxed_run(list(tensors))
        return pytree.tree_unflatten(flat, self._out_spec)


def load_aoti_package(path: Path, device: torch.device) -> PackageStage:
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
    index = device.index if device.type == "cuda" and device.index is not None else -1
    return PackageStage(torch._C._aoti.AOTIModelPackageLoader(str(path), "model", True, 1, index))


class CompiledEngine:
    """Three compiled stages behind the eager engine's three calls; subclasses say how a stage loads."""

    backend = "compiled"

    def __init__(self, engine_dir: Path, device: torch.device, dtype: torch.dtype, manifest: dict,
                 cuda_graphs: bool = True) -> None:
        self.device, self.dtype, self.manifest = device, dtype, manifest
        runners = {s: self.load_stage(Path(engine_dir) / manifest["stages"][s]["file"], device) for s in STAGES}
        self._image, self._text, self._decoder = runners["image"], runners["text"], runners["decoder"]
        # The text encoder and the decoder are launch-bound at small batches: replay them from CUDA graphs.
        # The image encoder is compute-bound at 1008 px and gains nothing worth its graphs' memory.
        self.cuda_graphs = cuda_graphs and device.type == "cuda"
        if self.cuda_graphs:
            self._text = GraphedStage(self._text, batched=(True, True), name="text")
            self._decoder = GraphedStage(self._decoder, batched=(False,) * 6 + (True, True), name="decoder")

    @property
    def image_size(self) -> int:
        """The square side, in pixels, the image stage was compiled for (its inputs: (N, 3, S, S))."""
        return int(self.manifest["stages"]["image"]["inputs"][0][-1])

    @property
    def graph_batches(self) -> tuple[int, ...]:
        """Prompt batch sizes replayed from CUDA graphs (each captured on first use); empty without graphs."""
        return BUCKETS if self.cuda_graphs else ()

    def load_stage(self, path: Path, device: torch.device):
        raise NotImplementedError

    @torch.inference_mode()
    def encode_image(self, pixels: torch.Tensor) -> ImageFeatures:
        out = self._image(pixels.to(self.dtype).contiguous())
        return ImageFeatures(hidden=tuple(out[:3]), position=tuple(out[3:6]))

    @torch.inference_mode()
    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self._text(input_ids.contiguous(), attention_mask.contiguous())
        return out[0] if isinstance(out, (tuple, list)) else out

    @torch.inference_mode()
    def decode(self, image: ImageFeatures, text: torch.Tensor, text_mask: torch.Tensor) -> RawOutputs:
        # One image's features (batch 1); the compiled decoder broadcasts them over the prompts itself.
        args = [t.contiguous() for t in (*image.hidden, *image.position, text, text_mask)]
        logits, presence, boxes, masks = self._decoder(*args)
        return RawOutputs(logits=logits, presence=presence, boxes=boxes, masks=masks)


class AotiEngine(CompiledEngine):
    """AOTInductor packages (.pt2), loaded with torch's own runtime: no TensorRT needed."""

    backend = "aoti"

    def load_stage(self, path: Path, device: torch.device):
        return load_aoti_package(path, device)
