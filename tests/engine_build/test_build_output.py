"""Where a build writes: a finished build replaces the engines in `out`; a failed one leaves them as they were."""

from __future__ import annotations

import pytest

import engine_build.backends
from engine_build.__main__ import main
from engine_build.build import _publish


def _engines(path, marker: str):
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(marker)
    (path / "image").mkdir()
    (path / "image" / "abc.wrapper.so").write_text(marker)
    return path


def _tree(path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_build_that_fails_midway_leaves_the_engines_already_there_untouched(tiny_model_dir, tmp_path, monkeypatch,
                                                                               capsys):
    before = _tree(_engines(tmp_path / "engines" / "aoti", "the last good build"))

    def disk_full(program, out, device, autotune="max", extra=None):
        out.write_bytes(b"half a package")  # what a compiler cut short leaves
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine_build.backends, "compile_aoti", disk_full)
    code = main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "engines"), "--backend", "aoti",
                 "--precision", "fp32", "--device", "cpu"])
    assert code == 1 and "No space left on device" in capsys.readouterr().err
    assert _tree(tmp_path / "engines" / "aoti") == before
    assert [p.name for p in (tmp_path / "engines").iterdir()] == ["aoti"]  # no staging directory left behind


def test_a_finished_build_replaces_the_old_engines_whole(tmp_path):
    out = _engines(tmp_path / "aoti", "old")
    (out / "text.pt2").write_text("a stage the new build no longer has")
    staging = _engines(tmp_path / ".aoti.building-1-ab", "new")
    _publish(staging, out)
    assert _tree(out) == {"manifest.json": "new", "image/abc.wrapper.so": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["aoti"]


def test_the_old_engines_go_back_when_the_new_ones_cannot_be_moved_in(tmp_path):
    out = _engines(tmp_path / "aoti", "old")
    with pytest.raises(FileNotFoundError):
        _publish(tmp_path / ".aoti.building-1-ab", out)  # gone: removed by hand while the build ran, say
    assert _tree(out) == {"manifest.json": "old", "image/abc.wrapper.so": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["aoti"]


def test_directories_a_killed_build_left_are_removed_by_the_next_and_a_running_builds_kept(tmp_path):
    import os
    import subprocess
    import sys

    from engine_build.build import _HOST, _remove_abandoned

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = [_engines(tmp_path / f".aoti.building-{_HOST}-{gone.pid}-ab12", "killed midway"),
            _engines(tmp_path / f".aoti.replaced-{_HOST}-{gone.pid}-cd34", "killed between the renames")]
    kept = [_engines(tmp_path / f".aoti.building-{_HOST}-{os.getpid()}-ef56", "a build running now"),
            _engines(tmp_path / f".aoti.building-otherhost-{gone.pid}-ab12", "another machine's build"),
            _engines(tmp_path / f".tensorrt.building-{_HOST}-{gone.pid}-ab12", "another backend's directory"),
            _engines(tmp_path / "aoti", "the engines")]
    _remove_abandoned(tmp_path / "aoti")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)
    assert not any(p.exists() for p in left)
