"""TensorRT engines built by engine_build's tensorrt backend (torch-tensorrt, dynamo path).

Each stage is an ExportedProgram holding serialized TensorRT engines (`torch_tensorrt.save(...,
output_format="exported_program")`); importing torch_tensorrt registers the runtime ops they call.
Only importable where TensorRT is installed; the loader falls back when it is not.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .aot_engine import CompiledEngine, StageFiles


def load_tensorrt_program(path: Path, device: torch.device):
    """One stage's saved ExportedProgram, as a module on `device` (engine_build's parity gate loads it so too)."""
    import torch_tensorrt  # noqa: F401 - registers tensorrt::execute_engine for the loaded program

    return torch.export.load(str(path)).module().to(device)


class TensorRTEngine(CompiledEngine):
    backend = "tensorrt"

    def load_stage(self, source: StageFiles, device: torch.device):
        return load_tensorrt_program(source.path, device)
