"""Ahead-of-time engines built by `engine_build`: checked against this host, then loaded.

An engine directory holds `manifest.json` and one compiled file per stage: a package (AOTInductor .pt2,
TensorRT .ep) and, for AOTInductor, that package unpacked into a directory of the stage's name, which
is what loads when present (`aoti_stage` says why); an image may ship the unpacked form alone. An engine
built for another device type, GPU architecture, CPU instruction set, precision or library version is
refused with the reason (the loader logs it and falls back to the next backend), as is a manifest that
does not parse or lacks a field, and a file that cannot be read or whose checksum does not match.
"""

from __future__ import annotations

import hashlib
import json
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

from .aoti_stage import load_aoti_package, load_unpacked, read_metadata
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
# The largest prompt batch of engines whose manifest predates `max_batch`: all were compiled for 1..16.
FORMER_MAX_PROMPTS = 16


class EngineUnusable(Sam3fnError):
    code = "engine_unusable"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class StageFiles:
    """What one stage loads from: `path`, a package file or (with `library`, the compiled library's name
    in it) an unpacked package's directory; `checksums`, every file that must match the manifest first."""

    path: Path
    library: str | None
    checksums: dict[Path, str]


def stage_files(engine_dir: Path, entry: dict) -> StageFiles:
    """A manifest stage entry's files: the unpacked directory where the build wrote one and it is here,
    else the package."""
    unpacked = entry.get("unpacked")
    if unpacked and (engine_dir / unpacked["dir"]).is_dir():
        base = engine_dir / unpacked["dir"]
        names = [unpacked["dir"], *unpacked["files"], unpacked["library"]]
        if any(Path(name).is_absolute() or ".." in Path(name).parts for name in names):
            raise EngineUnusable(f"engine in {engine_dir}: the manifest names a file outside it")
        if unpacked["library"] not in unpacked["files"]:
            raise EngineUnusable(f"engine in {engine_dir}: the manifest has no checksum for {base / unpacked['library']}")
        return StageFiles(base, unpacked["library"], {base / name: sha for name, sha in unpacked["files"].items()})
    return StageFiles(engine_dir / entry["file"], None, {engine_dir / entry["file"]: entry["sha256"]})


def read_manifest(engine_dir: Path) -> dict:
    """`engine_dir`'s manifest.json, once it parses and has every field the checks and loaders read;
    else EngineUnusable naming what is wrong (a half-written or hand-edited manifest must cost the
    engine, not the function's start)."""
    path = Path(engine_dir) / "manifest.json"
    if not path.is_file():
        raise EngineUnusable(f"no manifest.json in {engine_dir}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
        raise EngineUnusable(f"{path} cannot be read ({exc}); rebuild the engine") from exc
    problem = _manifest_problem(manifest)
    if problem:
        raise EngineUnusable(f"{path} is malformed: {problem}; rebuild the engine")
    return manifest


def _is_str_map(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _manifest_problem(manifest) -> str | None:
    """What makes `manifest` unusable by check_manifest, stage_files and CompiledEngine, or None."""
    if not isinstance(manifest, dict):
        return "not a JSON object"
    for key in ("device", "versions", "model"):
        if not isinstance(manifest.get(key, {}), dict):
            return f"'{key}' is not an object"
    stages = manifest.get("stages")
    if not isinstance(stages, dict):
        return "no 'stages' object"
    for name in STAGES:
        entry = stages.get(name)
        if not isinstance(entry, dict):
            return f"the {name} stage is missing"
        for key in ("file", "sha256"):
            if not isinstance(entry.get(key), str):
                return f"the {name} stage has no '{key}'"
        most = entry.get("max_batch", 1)
        if not (isinstance(most, int) and not isinstance(most, bool) and most >= 1):
            return f"the {name} stage's 'max_batch' is not a positive integer"
        unpacked = entry.get("unpacked")
        if unpacked is not None and not (isinstance(unpacked, dict) and isinstance(unpacked.get("dir"), str)
                                         and isinstance(unpacked.get("library"), str)
                                         and _is_str_map(unpacked.get("files"))):
            return f"the {name} stage's 'unpacked' entry needs 'dir', 'library' and 'files'"
    inputs = stages["image"].get("inputs")
    if not (isinstance(inputs, list) and inputs and isinstance(inputs[0], list) and inputs[0]
            and isinstance(inputs[0][-1], int)):
        return "the image stage has no 'inputs' shapes"
    return None


def check_manifest(engine_dir: Path, backend: str, device: torch.device, precision: str,
                   weights: str | None = None) -> dict:
    """The manifest, if the engine fits this host (and, given `weights`, a model_dir.weights_fingerprint,
    was compiled from those weights); else EngineUnusable naming the mismatch."""
    manifest = read_manifest(engine_dir)
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
    model = manifest.get("model", {})
    if weights is not None and model.get("weights") != weights:
        # The weights are compiled into the engine: serving it with other weights configured would answer with
        # the engine's model under the configured one's name (tiny random engines beside real weights, say).
        problems.append(f"compiled from other weights ({model.get('name', '?')} in {model.get('dir', '?')}) than "
                        "the model directory's; rebuild it from these weights")
    built_with = manifest.get("versions", {})
    for library in PINNED_LIBRARIES.get(backend, ("torch",)):
        here = installed_version(library)
        if built_with.get(library) != here:
            problems.append(f"built with {library} {built_with.get(library)}, this host has {here or 'none'}")
    if problems:
        raise EngineUnusable(f"engine in {engine_dir} refused: " + "; ".join(problems))
    sources = check_stage_files(Path(engine_dir), manifest)
    if backend == "aoti" and device.type == "cpu":
        check_cpu_instructions(list(sources.values()))
    return manifest


def check_stage_files(engine_dir: Path, manifest: dict) -> dict[str, StageFiles]:
    """Each stage's files, once every one of them is present and matches its manifest checksum."""
    sources = {}
    for stage in STAGES:
        entry = manifest.get("stages", {}).get(stage)
        if not entry:
            raise EngineUnusable(f"engine in {engine_dir} lacks the {stage} stage")
        sources[stage] = stage_files(engine_dir, entry)
    files = {file: sha for source in sources.values() for file, sha in source.checksums.items()}
    for file in files:
        if not file.is_file():
            raise EngineUnusable(f"engine file {file} is missing")
    # Full-size packages hold gigabytes of weights and hashing runs at about 1 GB/s per core: hash the
    # files side by side (hashlib releases the GIL) so the check costs the largest file, not the sum.
    with ThreadPoolExecutor(min(8, len(files))) as pool:
        digests = dict(zip(files, pool.map(_readable_sha256, files)))
    for file, expected in files.items():
        if digests[file] != expected:
            raise EngineUnusable(f"engine file {file}: its checksum does not match the manifest")
    return sources


def _readable_sha256(file: Path) -> str:
    """`file`'s checksum; a file this process cannot read (its permissions, an I/O error) costs the engine."""
    try:
        return file_sha256(file)
    except OSError as exc:
        raise EngineUnusable(f"engine file {file} cannot be read ({exc})") from exc


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


def check_cpu_instructions(sources: list[StageFiles]) -> None:
    """Refuse CPU packages compiled for instructions this CPU lacks: their kernels would crash the
    process (illegal instruction) instead of falling back. Reads each package's own metadata (no probe)."""
    host = host_cpu_instructions()
    for source in sources:
        try:
            meta = read_metadata(source.path, source.library)
        except (OSError, ValueError, RuntimeError) as exc:  # a package's reader raises RuntimeError, a JSON file the rest
            raise EngineUnusable(f"engine file {source.path}: its build metadata cannot be read ({exc})") from exc
        machine = meta.get("AOTI_MACHINE", platform.machine())
        if machine != platform.machine():
            raise EngineUnusable(f"engine file {source.path} was compiled for {machine}, this host is {platform.machine()}")
        missing = missing_cpu_instructions(meta.get("AOTI_CPU_ISA", ""), host)
        if missing:
            raise EngineUnusable(f"engine file {source.path} was compiled for CPU instructions this CPU lacks "
                                 f"({', '.join(missing)}); rebuild it on this host")


class CompiledEngine:
    """Three compiled stages behind the eager engine's three calls; subclasses say how a stage loads."""

    backend = "compiled"

    def __init__(self, engine_dir: Path, device: torch.device, dtype: torch.dtype, manifest: dict,
                 cuda_graphs: bool = True) -> None:
        self.device, self.dtype, self.manifest = device, dtype, manifest
        # More prompts than the stages were compiled for are run in slices (TensorRT refuses a batch beyond
        # its profile, and SAM3FN_MAX_PROMPTS may be set above it).
        stages = manifest["stages"]
        self.max_prompts = min(stages[s].get("max_batch", FORMER_MAX_PROMPTS) for s in ("text", "decoder"))
        runners = {s: self.load_stage(stage_files(Path(engine_dir), stages[s]), device) for s in STAGES}
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

    def load_stage(self, source: StageFiles, device: torch.device):
        raise NotImplementedError

    @torch.inference_mode()
    def encode_image(self, pixels: torch.Tensor) -> ImageFeatures:
        out = self._image(pixels.to(self.dtype).contiguous())
        return ImageFeatures(hidden=tuple(out[:3]), position=tuple(out[3:6]))

    @torch.inference_mode()
    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        parts = []
        for ids, mask in zip(input_ids.split(self.max_prompts), attention_mask.split(self.max_prompts)):
            out = self._text(ids.contiguous(), mask.contiguous())
            parts.append(out[0] if isinstance(out, (tuple, list)) else out)
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    @torch.inference_mode()
    def decode(self, image: ImageFeatures, text: torch.Tensor, text_mask: torch.Tensor) -> RawOutputs:
        # One image's features (batch 1); the compiled decoder broadcasts them over the prompts itself.
        features = [t.contiguous() for t in (*image.hidden, *image.position)]
        parts = [self._decoder(*features, t.contiguous(), m.contiguous())
                 for t, m in zip(text.split(self.max_prompts), text_mask.split(self.max_prompts))]
        logits, presence, boxes, masks = (p[0] if len(parts) == 1 else torch.cat(p) for p in zip(*parts))
        return RawOutputs(logits=logits, presence=presence, boxes=boxes, masks=masks)


class AotiEngine(CompiledEngine):
    """AOTInductor packages (.pt2), loaded with torch's own runtime: no TensorRT needed."""

    backend = "aoti"

    def load_stage(self, source: StageFiles, device: torch.device):
        if source.library:
            return load_unpacked(source.path / source.library, device)
        return load_aoti_package(source.path, device)
