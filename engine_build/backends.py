"""Compile an exported stage, per backend; the build loads the result back with the function's own loaders.

aoti: `torch._inductor.aoti_compile_and_package` (max-autotune on GPUs unless asked otherwise; on CPUs
autotuning only costs build time) -> a .pt2, then unpacked into a directory beside it (`unpack_aoti`),
which the function loads in place (`sam3fn.core.aoti_stage` says why).
tensorrt: `torch_tensorrt.dynamo.compile` on the ExportedProgram with min/opt/max shapes from the
dynamic dims -> `torch_tensorrt.save(..., output_format="exported_program", dynamic_shapes=...)`, loaded back by
`sam3fn.core.trt_engine.load_tensorrt_program`. Softmax and layer-norm accumulate in fp32 (TensorRT's
fp16 fused attention broke accuracy elsewhere), hence `use_fp32_acc=True` with explicit typing for
half precision (the exported program carries the half-precision dtypes; `enabled_precisions` stays unset).
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path, PurePosixPath

import torch

from sam3fn.core.aoti_stage import PACKAGE_MODEL_DIR


AUTOTUNE = ("max", "default")


def aoti_options(device: torch.device, autotune: str, extra: dict | None = None) -> dict:
    """Inductor settings for a build. `max` benchmarks GEMM and pointwise kernel choices on the GPU
    (minutes per stage at full size, the fastest engine); `default` takes Inductor's heuristic choices
    (a quicker build, for when build time matters more than the last milliseconds). `extra`: settings
    asked for by name (`--inductor-option`), e.g. how the package holds its kernels and weights, where
    a machine's loader cannot take the default form (`bench/aoti_load_probe.py` finds out)."""
    if autotune not in AUTOTUNE:
        raise ValueError(f"unknown autotune {autotune!r}; choose one of {', '.join(AUTOTUNE)}")
    return {**({"max_autotune": True} if device.type == "cuda" and autotune == "max" else {}), **(extra or {})}


def compile_aoti(program: torch.export.ExportedProgram, out: Path, device: torch.device, autotune: str = "max",
                 extra: dict | None = None) -> Path:
    options = aoti_options(device, autotune, extra)
    path = torch._inductor.aoti_compile_and_package(program, package_path=str(out), inductor_configs=options)
    return Path(path)


def unpack_aoti(package: Path, out: Path) -> dict:
    """Write the compiled model inside `package` (its PACKAGE_MODEL_DIR: library, kernel binaries,
    metadata, sources) into the directory `out`, replacing it; -> the manifest's `unpacked` entry:
    {"dir": out's name, "library": the .so's name, "files": {name: sha256}}."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = {}
    with zipfile.ZipFile(package) as archive:
        for member in archive.infolist():
            inner = PurePosixPath(member.filename)
            if not inner.is_relative_to(PACKAGE_MODEL_DIR):  # packages nest it in a folder named after them
                inner = PurePosixPath(*inner.parts[1:]) if len(inner.parts) > 1 else inner
            if member.is_dir() or not inner.is_relative_to(PACKAGE_MODEL_DIR):
                continue
            name = inner.relative_to(PACKAGE_MODEL_DIR)
            if ".." in name.parts:
                raise ValueError(f"{package}: member {member.filename} points outside the package")
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            written[name.as_posix()] = _copy_hashed(archive, member, target)
    libraries = [name for name in written if name.endswith(".so")]
    if len(libraries) != 1:
        raise ValueError(f"{package}: expected one compiled library under {PACKAGE_MODEL_DIR}, found {libraries or 'none'}")
    return {"dir": out.name, "library": libraries[0], "files": written}


def _copy_hashed(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path) -> str:
    """Write one member to `target` -> its sha256, hashed as it is written (a full-size image stage is
    over a gigabyte: reading it back to hash it would cost a second pass)."""
    digest = hashlib.sha256()
    with archive.open(member) as src, open(target, "wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            dst.write(block)
    return digest.hexdigest()


def _trt_inputs(example: tuple, dynamic: tuple, limits: dict[str, int]):
    import torch_tensorrt

    inputs = []
    for tensor, dims in zip(example, dynamic):
        dim = dims.get(0)
        if dim is None:
            inputs.append(torch_tensorrt.Input(shape=tensor.shape, dtype=tensor.dtype))
            continue
        rest = tuple(tensor.shape[1:])
        top = limits[dim.__name__]
        inputs.append(torch_tensorrt.Input(min_shape=(1, *rest), opt_shape=(min(top, 4), *rest), max_shape=(top, *rest),
                                           dtype=tensor.dtype))
    return inputs


def compile_tensorrt(program, example: tuple, dynamic: tuple, limits: dict[str, int], precision: str, out: Path) -> Path:
    import torch_tensorrt

    # The program was exported from the model in `precision`, so its own dtypes say where half precision
    # runs and explicit typing keeps them. `enabled_precisions` stays at its float32 default: torch-tensorrt
    # refuses explicit typing with a half precision in it (and has since deprecated the setting).
    half = precision in ("fp16", "bf16")
    trt_module = torch_tensorrt.dynamo.compile(
        program, inputs=_trt_inputs(example, dynamic, limits),
        use_explicit_typing=half, use_fp32_acc=half,
        min_block_size=1, optimization_level=5, cache_built_engines=False, reuse_cached_engines=False,
    )
    # Saved with the stage's dynamic dims: without them `save` re-exports the module on the example
    # inputs alone, which fixes every batch at the example's size (2).
    torch_tensorrt.save(trt_module, str(out), output_format="exported_program", arg_inputs=list(example),
                        dynamic_shapes=dynamic)
    return out
