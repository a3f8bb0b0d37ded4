"""The AOTInductor load probe tells a loader that crashed its process from one that failed or worked."""

from __future__ import annotations

import pytest

from bench import aoti_load_probe


@pytest.mark.parametrize("code,outcome,reached", [
    ("print('inputs made', flush=True); import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
     "crashed (SIGSEGV)", "inputs made"),
    ("print('inputs made'); print('loaded'); raise SystemExit('the runner refused the library')",
     "failed (exit 1): the runner refused the library", "loaded"),
    ("print('inputs made'); print('loaded'); print('ran', (4, 8))", "ok", "ran"),
])
def test_each_loader_is_recorded_with_how_its_process_ended(monkeypatch, tmp_path, code, outcome, reached):
    monkeypatch.setattr(aoti_load_probe, "CHILD", code)
    record = aoti_load_probe.try_loader("sam3fn.load_unpacked", tmp_path / "probe.so", "cpu")
    assert record == {"loader": "sam3fn.load_unpacked", "outcome": outcome, "reached": reached}


@pytest.mark.skipif(aoti_load_probe.debugger() is None, reason="needs gdb or cuda-gdb")
def test_a_crash_rerun_under_the_debugger_records_the_native_frame_that_faulted(monkeypatch, tmp_path):
    monkeypatch.setattr(aoti_load_probe, "CHILD", "import ctypes; print('inputs made', flush=True); ctypes.string_at(0)")
    trace = aoti_load_probe.native_backtrace(aoti_load_probe.debugger(), "sam3fn.load_unpacked", tmp_path / "x.so", "cpu")
    assert "SIGSEGV" in trace["stop"]
    assert "strlen" in trace["frames"][0] and any("string_at" in frame for frame in trace["frames"])
    assert trace["instructions"][0].startswith("rip")


def _record(variant: str, *outcomes: str) -> dict:
    return {"variant": variant, "loads": [{"loader": n, "outcome": o, "reached": ""} for n, o in
                                          zip(aoti_load_probe.LOADERS, outcomes)]}


def test_the_working_form_is_the_first_with_weights_that_every_loader_ran():
    crashed = "crashed (SIGSEGV)"
    assert aoti_load_probe.working([_record("default", crashed, crashed, crashed), _record("no-weights", "ok", "ok", "ok"),
                                    _record("embedded-kernels", "ok", crashed, "ok"),
                                    _record("mmap-weights", "ok", "ok", "ok")]) == "mmap-weights"
    assert aoti_load_probe.working([_record("default", crashed, crashed, crashed),
                                    {"variant": "mmap-weights", "loads": []}]) is None  # it never compiled


def test_a_form_this_torch_cannot_compile_is_recorded_and_not_loaded(monkeypatch, tmp_path):
    import torch

    monkeypatch.setitem(aoti_load_probe.VARIANTS, "unknown", {"aot_inductor.no_such_setting": True})
    record = aoti_load_probe.probe_variant(torch.device("cpu"), "unknown", tmp_path, "g++")
    assert record["compiled"].startswith("failed: ") and record["loads"] == []


def test_the_settings_of_the_form_that_loaded_are_written_for_engine_build(monkeypatch, tmp_path):
    import json
    import sys

    outcomes = {"default": "crashed (SIGSEGV)", "no-weights": "crashed (SIGSEGV)", "embedded-kernels": "crashed (SIGSEGV)",
                "mmap-weights": "ok"}
    monkeypatch.setattr(aoti_load_probe, "probe_variant", lambda device, variant, *rest: {
        **_record(variant, *[outcomes[variant]] * 3), "inductor_options": aoti_load_probe.VARIANTS[variant],
        "compiled": "ok", "links": []})
    options = tmp_path / "inductor-options"
    monkeypatch.setattr(sys, "argv", ["aoti_load_probe.py", "--device", "cpu", "--out", str(tmp_path), "--options-out",
                                      str(options)])
    aoti_load_probe.main()
    assert options.read_text() == "aot_inductor.force_mmap_weights=true\n"
    [doc] = [json.loads(p.read_text()) for p in tmp_path.glob("aoti-load-probe-cpu-*.json")]
    assert doc["working"] == "mmap-weights" and len(doc["variants"]) == 4


def test_without_a_usable_compiler_nothing_is_compiled_and_each_compiler_tried_is_recorded(monkeypatch, tmp_path):
    import json
    import sys

    monkeypatch.setattr(aoti_load_probe.toolchain, "candidates", lambda explicit=None: [str(tmp_path / "no-such-g++")])
    monkeypatch.setattr(aoti_load_probe, "probe_variant", lambda *args: pytest.fail("compiled without a compiler"))
    monkeypatch.setattr(sys, "argv", ["aoti_load_probe.py", "--device", "cpu", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="no C.. compiler here builds libraries that run in a torch process"):
        aoti_load_probe.main()
    [doc] = [json.loads(p.read_text()) for p in tmp_path.glob("aoti-load-probe-cpu-*.json")]
    assert doc["variants"] == [] and doc["working"] is None
    assert doc["compilers"] == [{"compiler": str(tmp_path / "no-such-g++"), "outcome": "does not run (No such file or directory)"}]
