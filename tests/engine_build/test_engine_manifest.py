"""The engine manifest as files on disk: a damaged one costs the engine (refused, the loader falls back),
never the function's start; and the build never leaves a half-written one behind. No compiling: the
engines here are hand-made stand-ins, checked as far as the manifest and the checksums go."""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sam3fn.core.aot_engine import ENGINE_FORMAT, EngineUnusable, check_manifest, file_sha256
from sam3fn.core.loader import load_model
from sam3fn.core.model_dir import weights_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def _engine(tmp_path: Path, weights: Path | None = None) -> Path:
    """An aoti engine directory this host accepts as far as check_manifest looks: every stage unpacked,
    with a stand-in library and the build metadata of this machine (compiled from `weights`, if given)."""
    engine = tmp_path / "engines" / "aoti"
    stages = {}
    for name in ("image", "text", "decoder"):
        (engine / name).mkdir(parents=True)
        (engine / name / "m.so").write_bytes(f"{name} library".encode())
        (engine / name / "m_metadata.json").write_text(json.dumps({"AOTI_MACHINE": platform.machine(), "AOTI_CPU_ISA": ""}))
        (engine / f"{name}.pt2").write_bytes(f"{name} package".encode())
        stages[name] = {"file": f"{name}.pt2", "sha256": file_sha256(engine / f"{name}.pt2"),
                        "inputs": [[2, 3, 112, 112]] if name == "image" else [[2, 32]],
                        "unpacked": {"dir": name, "library": "m.so",
                                     "files": {f: file_sha256(engine / name / f) for f in ("m.so", "m_metadata.json")}}}
    manifest = {"format": ENGINE_FORMAT, "backend": "aoti", "precision": "fp32",
                "device": {"type": "cpu", "name": "x", "capability": None, "cuda": None},
                "versions": {"torch": torch.__version__},
                "model": {"weights": weights_fingerprint(weights)} if weights else {}, "options": {}, "stages": stages}
    (engine / "manifest.json").write_text(json.dumps(manifest))
    return engine


def _edit(engine: Path, change) -> None:
    manifest = json.loads((engine / "manifest.json").read_text())
    change(manifest)
    (engine / "manifest.json").write_text(json.dumps(manifest))


DAMAGE = {
    "not-json": lambda engine: (engine / "manifest.json").write_text("not json"),
    "cut-short": lambda engine: (engine / "manifest.json").write_text((engine / "manifest.json").read_text()[:200]),
    "not-an-object": lambda engine: (engine / "manifest.json").write_text("[]"),
    "not-utf8": lambda engine: (engine / "manifest.json").write_bytes(b"\xff\xfe{"),
    "no-image-inputs": lambda engine: _edit(engine, lambda m: m["stages"]["image"].pop("inputs")),
    "no-unpacked-files": lambda engine: _edit(engine, lambda m: m["stages"]["text"]["unpacked"].pop("files")),
    "no-package-file": lambda engine: _edit(engine, lambda m: m["stages"]["decoder"].pop("file")),
    "device-not-an-object": lambda engine: _edit(engine, lambda m: m.update(device="cpu")),
}


def test_the_stand_in_engine_passes_the_manifest_check(tmp_path):
    check_manifest(_engine(tmp_path), "aoti", torch.device("cpu"), "fp32")


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_an_unreadable_or_incomplete_manifest_is_refused_naming_it(tmp_path, damage):
    engine = _engine(tmp_path)
    DAMAGE[damage](engine)
    with pytest.raises(EngineUnusable, match="manifest.json"):
        check_manifest(engine, "aoti", torch.device("cpu"), "fp32")


@pytest.mark.parametrize("damage", ["cut-short", "no-unpacked-files"])
def test_a_damaged_manifest_makes_the_loader_fall_back_instead_of_failing(tmp_path, tiny_model_dir, caplog, damage):
    engine = _engine(tmp_path)
    DAMAGE[damage](engine)
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        loaded = load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=engine.parent)
    assert loaded.engine.backend == "eager"
    assert any("aoti not used" in r.getMessage() and "manifest.json" in r.getMessage() for r in caplog.records)


def test_a_manifest_write_that_fails_midway_leaves_no_half_written_manifest(tmp_path):
    # A full disk, simulated with a file-size limit: the write stops after 4 KiB. The manifest then must be
    # the previous one, whole (a build stopped mid-write leaves what was there), never a truncated file.
    (tmp_path / "manifest.json").write_text('{"previous": true}')
    code = f"""
import resource, signal, sys
from pathlib import Path
import torch
from engine_build.manifest import write_manifest
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
stages = {{f"stage{{i}}": {{"file": "x" * 100, "build_seconds": 1}} for i in range(200)}}
try:
    write_manifest(Path({str(tmp_path)!r}), backend="aoti", precision="fp32", device=torch.device("cpu"), model={{}},
                   stages=stages)
except OSError as exc:
    print("write failed:", exc)
    sys.exit(3)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr[-2000:]
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"previous": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]  # no partial file left beside it


def test_a_written_manifest_reads_back(tmp_path):
    from engine_build.manifest import write_manifest

    path = write_manifest(tmp_path, backend="aoti", precision="fp32", device=torch.device("cpu"), model={"name": "m"},
                          stages={"image": {"build_seconds": 1.5}})
    doc = json.loads(path.read_text())
    assert doc["model"] == {"name": "m"} and doc["build_seconds"] == 1.5 and path.name == "manifest.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_an_engine_file_that_cannot_be_read_is_refused_and_the_loader_falls_back(tmp_path, tiny_model_dir, monkeypatch,
                                                                                 caplog):
    # e.g. stages copied in with permissions the function's user lacks (tests run as root: simulated).
    import sam3fn.core.aot_engine as aot_engine

    engine = _engine(tmp_path, weights=tiny_model_dir)
    hash_file = aot_engine.file_sha256

    def unreadable(path):
        if Path(path).name == "m.so" and Path(path).parent.name == "decoder":
            raise PermissionError(13, "Permission denied", str(path))
        return hash_file(path)

    monkeypatch.setattr(aot_engine, "file_sha256", unreadable)
    with pytest.raises(EngineUnusable, match="cannot be read"):
        check_manifest(engine, "aoti", torch.device("cpu"), "fp32")
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.loader"):
        loaded = load_model(tiny_model_dir, "cpu", "fp32", backend="aoti", engine_dir=engine.parent)
    assert loaded.engine.backend == "eager"
    assert any("aoti not used" in r.getMessage() and "Permission denied" in r.getMessage() for r in caplog.records)


def test_an_out_directory_that_cannot_be_written_is_a_one_line_failure(tiny_model_dir, tmp_path, capsys):
    from engine_build.__main__ import main

    (tmp_path / "a-file").write_text("")
    code = main(["--weights", str(tiny_model_dir), "--out", str(tmp_path / "a-file" / "engines"),
                 "--backend", "aoti", "--precision", "fp32", "--device", "cpu"])
    assert code == 1 and capsys.readouterr().err.startswith("engine build failed: [Errno 20] Not a directory")
