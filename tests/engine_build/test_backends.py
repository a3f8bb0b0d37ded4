"""engine_build's backends: unpacking AOTInductor packages (on hand-made zips laid out as packages are), and the
torch-tensorrt calls (against a stand-in that records them: TensorRT is not installable here)."""

from __future__ import annotations

import zipfile

import pytest

from engine_build.backends import unpack_aoti
from sam3fn.core.aot_engine import file_sha256


def _package(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("top", ["text/", ""])  # packages nest their content in a folder named after them
def test_the_compiled_model_is_unpacked_with_a_checksum_per_file(tmp_path, top):
    package = _package(tmp_path / "text.pt2", {
        f"{top}data/aotinductor/model/abc.wrapper.so": b"library",
        f"{top}data/aotinductor/model/abc.wrapper_metadata.json": b"{}",
        f"{top}data/aotinductor/model/kernels/k1.cubin": b"kernel",
        f"{top}data/aotinductor/other/x.so": b"another model",
        f"{top}archive_format": b"pt2",
    })
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "stale.so").write_bytes(b"a previous build")
    entry = unpack_aoti(package, tmp_path / "text")
    assert entry["dir"] == "text" and entry["library"] == "abc.wrapper.so"
    assert sorted(entry["files"]) == ["abc.wrapper.so", "abc.wrapper_metadata.json", "kernels/k1.cubin"]
    assert sorted(p.relative_to(tmp_path / "text").as_posix() for p in (tmp_path / "text").rglob("*") if p.is_file()) \
        == sorted(entry["files"])
    assert entry["files"]["kernels/k1.cubin"] == file_sha256(tmp_path / "text" / "kernels" / "k1.cubin")
    assert (tmp_path / "text" / "abc.wrapper.so").read_bytes() == b"library"


def test_a_member_that_climbs_out_of_the_model_directory_is_refused(tmp_path):
    package = _package(tmp_path / "text.pt2", {"text/data/aotinductor/model/../../../../evil.so": b"x"})
    with pytest.raises(ValueError, match="outside the package"):
        unpack_aoti(package, tmp_path / "out" / "text")
    assert not (tmp_path / "evil.so").exists() and not (tmp_path / "out" / "evil.so").exists()


@pytest.mark.parametrize("libraries", [[], ["a.so", "b.so"]])
def test_a_package_without_exactly_one_library_is_refused(tmp_path, libraries):
    members = {f"text/data/aotinductor/model/{name}": b"x" for name in [*libraries, "a_metadata.json"]}
    with pytest.raises(ValueError, match="expected one compiled library"):
        unpack_aoti(_package(tmp_path / "text.pt2", members), tmp_path / "text")


class _FakeTorchTensorRT:
    """torch_tensorrt as engine_build calls it, recording the calls; `dynamo.compile` enforces the rule
    torch-tensorrt itself does: explicit typing admits only float32 in `enabled_precisions`."""

    def __init__(self) -> None:
        import types

        self.compiled, self.saved = [], []
        self.dynamo = types.SimpleNamespace(compile=self._compile)

    @staticmethod
    def Input(**kwargs):
        return kwargs

    def _compile(self, program, **kwargs):
        import torch

        precisions = kwargs.get("enabled_precisions", {torch.float32})
        if kwargs.get("use_explicit_typing") and set(precisions) != {torch.float32}:
            raise AssertionError("When use_explicit_typing is enabled, only torch.float32 is allowed in the "
                                 f"enabled_precisions but found {precisions}")
        self.compiled.append(kwargs)
        return "trt module"

    def save(self, module, path, **kwargs):
        self.saved.append((module, path, kwargs))


def _text_stage():
    import torch
    from torch.export import Dim

    prompts = Dim("prompts", min=1, max=16)
    example = (torch.zeros(2, 32, dtype=torch.long), torch.ones(2, 32, dtype=torch.long))
    return example, ({0: prompts}, {0: prompts})


@pytest.mark.parametrize("precision", ["fp16", "bf16", "fp32"])
def test_tensorrt_builds_take_half_precision_from_the_program_not_enabled_precisions(tmp_path, monkeypatch, precision):
    import sys

    from engine_build.backends import compile_tensorrt

    fake = _FakeTorchTensorRT()
    monkeypatch.setitem(sys.modules, "torch_tensorrt", fake)
    example, dynamic = _text_stage()
    compile_tensorrt("program", example, dynamic, {"prompts": 16}, precision, tmp_path / "text.ep")
    (settings,) = fake.compiled
    half = precision != "fp32"
    assert settings["use_explicit_typing"] is half and settings["use_fp32_acc"] is half
    assert settings["inputs"][0]["min_shape"] == (1, 32) and settings["inputs"][0]["max_shape"] == (16, 32)


def test_tensorrt_stages_are_saved_with_their_dynamic_batch(tmp_path, monkeypatch):
    # Without dynamic_shapes, torch_tensorrt.save re-exports on the example inputs alone and the saved
    # stage only takes the example's batch (2): the image at batch 1, or 3 prompts, would be refused.
    import sys

    from engine_build.backends import compile_tensorrt

    fake = _FakeTorchTensorRT()
    monkeypatch.setitem(sys.modules, "torch_tensorrt", fake)
    example, dynamic = _text_stage()
    compile_tensorrt("program", example, dynamic, {"prompts": 16}, "fp16", tmp_path / "text.ep")
    (module, path, kwargs), = fake.saved
    assert module == "trt module" and path == str(tmp_path / "text.ep")
    assert kwargs["output_format"] == "exported_program" and kwargs["dynamic_shapes"] == dynamic
    assert kwargs["dynamic_shapes"][0][0] is kwargs["dynamic_shapes"][1][0]  # ids and mask share one batch dim
