"""A C++ compiler whose libraries cannot run inside a torch process never builds an engine.

The compiler that shows it is a real one: this machine's g++ told to link libstdc++ into every shared
library it makes, as the H200 image's compiler did (every AOTInductor package it built crashed on load).
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys

import pytest
import torch

from engine_build import toolchain

GXX = shutil.which("g++")
pytestmark = pytest.mark.skipif(GXX is None, reason="needs g++")


@pytest.fixture(scope="module")
def static_gxx(tmp_path_factory):
    """A g++ (named so, so that Inductor passes it g++'s flags) whose shared libraries carry their own libstdc++."""
    path = tmp_path_factory.mktemp("static-toolchain") / "g++"
    path.write_text(f'#!/bin/sh\ncase " $* " in *" -shared "*) exec {GXX} -static-libstdc++ "$@";; esac\n'
                    f'exec {GXX} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_a_compiler_whose_libraries_carry_their_own_libstdcxx_is_refused_for_the_next(static_gxx):
    compiler, checks = toolchain.choose([static_gxx, GXX])
    assert compiler == GXX and [c.ok for c in checks] == [False, True]
    refused = checks[0].outcome
    assert refused.startswith("its libraries crashed (SIGABRT) in a torch process") and "statically" in refused


def test_with_no_compiler_that_works_each_one_tried_is_named(static_gxx, tmp_path):
    with pytest.raises(toolchain.ToolchainUnusable) as caught:
        toolchain.choose([static_gxx, str(tmp_path / "no-such-g++")])
    message = str(caught.value)
    assert f"{static_gxx}: its libraries crashed" in message and "no-such-g++: does not run" in message


def test_the_candidates_are_inductors_own_compiler_then_the_others_each_once(monkeypatch):
    monkeypatch.setattr(toolchain, "_inductor_default", lambda: "g++")
    monkeypatch.setenv("CXX", GXX)  # the same file as "g++" on PATH: tried once
    found = toolchain.candidates()
    assert found[0] == "g++" and GXX not in found
    assert toolchain.candidates(["/opt/other/g++"]) == ["/opt/other/g++"]  # asked for: only that one


def test_an_engine_built_by_a_refused_compiler_really_cannot_load(static_gxx, tmp_path):
    """What the check predicts is what AOTInductor does: its package fails in the model's constructor."""
    module = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.GELU())
    with torch.no_grad():
        program = torch.export.export(module, (torch.randn(4, 8),),
                                      dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=16)},))
    package = torch._inductor.aoti_compile_and_package(program, package_path=str(tmp_path / "static.pt2"),
                                                        inductor_configs={"cpp.cxx": [static_gxx]})
    loaded = subprocess.run([sys.executable, "-c", "import sys, torch; torch._inductor.aoti_load_package(sys.argv[1]); "
                             "print('loaded')", package], capture_output=True, text=True, timeout=300)
    assert "loaded" not in loaded.stdout and loaded.returncode != 0
    assert "container_handle" in loaded.stderr  # the model container's creation is what failed


def test_a_build_asked_to_use_a_refused_compiler_stops_before_writing_anything(static_gxx, tiny_model_dir, tmp_path,
                                                                               capsys):
    from engine_build.__main__ import main

    code = main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "engines"), "--backend", "aoti",
                 "--precision", "fp32", "--device", "cpu", "--inductor-option", f"cpp.cxx={static_gxx}"])
    assert code == 1 and "no C++ compiler here builds libraries that run in a torch process" in capsys.readouterr().err
    assert not (tmp_path / "engines").exists()
