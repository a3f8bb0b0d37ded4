"""`python -m engine_build` as a user runs it: argument errors and builds that cannot start."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from engine_build.__main__ import main


def test_an_unknown_device_is_a_usage_error_not_a_traceback(tiny_model_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "e"), "--backend", "aoti", "--device", "tpu"])
    assert exited.value.code == 2
    assert "argument --device: 'tpu' is not auto, cpu, cuda or cuda:N" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("option,said", [
    ("aot_inductor.no_such_setting=1", "'aot_inductor.no_such_setting' is not one of this torch's Inductor settings"),
    ("aot_inductor.embed_kernel_binary", "is not KEY=VALUE"),
    ("=1", "is not KEY=VALUE"),
])
def test_an_inductor_option_that_is_not_one_is_a_usage_error(tiny_model_dir, tmp_path, capsys, option, said):
    with pytest.raises(SystemExit) as exited:
        main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "e"), "--backend", "aoti",
              "--inductor-option", option])
    assert exited.value.code == 2 and said in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_inductor_option_values_are_read_as_json_where_they_parse():
    from engine_build.__main__ import _inductor_option

    assert _inductor_option("aot_inductor.force_mmap_weights=true") == ("aot_inductor.force_mmap_weights", True)
    assert _inductor_option("aot_inductor.package_cpp_only=false") == ("aot_inductor.package_cpp_only", False)
    assert _inductor_option("cpp.cxx=g++") == ("cpp.cxx", "g++")


def _no_cuda():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return ["--backend", "aoti", "--device", "cuda"], "CUDA is not available"


def _no_tensorrt():
    if importlib.util.find_spec("torch_tensorrt") is not None:
        pytest.skip("torch-tensorrt is installed")
    return ["--backend", "tensorrt", "--device", "cpu"], "install them (pip install torch-tensorrt) or build with --backend aoti"


CANNOT_START = {"no-cuda": _no_cuda, "no-tensorrt": _no_tensorrt}


@pytest.mark.parametrize("case", ["no-weights", *CANNOT_START])
def test_a_build_that_cannot_start_says_why_before_making_the_engine_directory(tiny_model_dir, tmp_path, capsys, case):
    weights = tmp_path / "no-model" if case == "no-weights" else tiny_model_dir
    flags, why = (["--backend", "aoti", "--device", "cpu"], "does not exist") if case == "no-weights" else CANNOT_START[case]()
    code = main(["--weights", str(weights), "--out", str(tmp_path / "engines"), "--precision", "fp32", *flags])
    captured = capsys.readouterr()
    assert code == 1 and captured.err.startswith("engine build failed: ") and why in captured.err
    # No empty engines/<backend> left for the function to find, and nothing exported first (minutes at full size).
    assert not (tmp_path / "engines").exists() and "exporting" not in captured.out
