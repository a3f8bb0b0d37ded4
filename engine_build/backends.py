"""Compile an exported stage, per backend; the build loads the result back with the function's own loaders.

aoti: `torch._inductor.aoti_compile_and_package` (max-autotune on GPUs unless asked otherwise; on CPUs
autotuning only costs build time) -> a .pt2, loaded back by `sam3fn.core.aot_engine.load_aoti_package`
as the function loads it.
tensorrt: `torch_tensorrt.dynamo.compile` on the ExportedProgram with min/opt/max shapes from the
dynamic dims -> `torch_tensorrt.save(..., output_format="exported_program")`, loaded back by
`sam3fn.core.trt_engine.load_tensorrt_program`. Softmax and layer-norm accumulate in fp32 (TensorRT's
fp16 fused attention broke accuracy elsewhere), hence `use_fp32_acc=True` with explicit typing for
half precision.
"""

from __future__ import annotations

from pathlib import Path

import torch


AUTOTUNE = ("max", "default")


def aoti_options(device: torch.device, autotune: str) -> dict:
    """Inductor settings for a build. `max` benchmarks GEMM and pointwise kernel choices on the GPU
    (minutes per stage at full size, the fastest engine); `default` takes Inductor's heuristic choices
    (a quicker build, for when build time matters more than the last milliseconds)."""
    if autotune not in AUTOTUNE:
        raise ValueError(f"unknown autotune {autotune!r}; choose one of {', '.join(AUTOTUNE)}")
    return {"max_autotune": True} if device.type == "cuda" and autotune == "max" else {}


def compile_aoti(program: torch.export.ExportedProgram, out: Path, device: torch.device, autotune: str = "max") -> Path:
    options = aoti_options(device, autotune)
    path = torch._inductor.aoti_compile_and_package(program, package_path=str(out), inductor_configs=options)
    return Path(path)


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

    half = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
    trt_module = torch_tensorrt.dynamo.compile(
        program, inputs=_trt_inputs(example, dynamic, limits),
        enabled_precisions={half} if half else {torch.float32},
        use_explicit_typing=half is not None, use_fp32_acc=half is not None,
        min_block_size=1, optimization_level=5, cache_built_engines=False, reuse_cached_engines=False,
    )
    torch_tensorrt.save(trt_module, str(out), output_format="exported_program", inputs=list(example))
    return out
