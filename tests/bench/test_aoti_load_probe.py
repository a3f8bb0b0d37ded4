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
