"""The latency benchmark script runs end to end (tiny model, CPU) and writes the documented record fields."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"backend", "precision", "gpu", "image_ms", "text_ms", "decode_ms", "e2e_p50_ms", "e2e_100inst_ms",
          "peak_gb", "cold_start_s", "throughput_images_per_s"}


def run_script(monkeypatch, *args) -> int:
    monkeypatch.setattr(sys, "argv", ["model_latency.py", "--config", "tiny", "--device", "cpu", *args])
    try:
        runpy.run_path(str(ROOT / "bench" / "model_latency.py"), run_name="__main__")
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_benchmark_writes_json_and_table(tmp_path, tiny_model_dir, monkeypatch):
    assert run_script(monkeypatch, "--runs", "eager:fp32", "--iterations", "2", "--model-dir", str(tiny_model_dir),
                      "--out", str(tmp_path)) == 0
    [result] = tmp_path.glob("model-latency-tiny-*.json")
    doc = json.loads(result.read_text())
    [record] = doc["records"]
    assert FIELDS <= set(record) and record["backend"] == "eager" and record["precision"] == "fp32"
    assert record["e2e_p50_ms"] > 0 and record["cold_start_s"] > 0
    assert set(record["throughput_images_per_s"]) == {"1", "4", "8"}
    assert "| eager | fp32 |" in result.with_suffix(".md").read_text()


def test_a_failed_configuration_is_recorded_and_a_later_run_adds_to_the_same_file(tmp_path, tiny_model_dir, monkeypatch):
    common = ("--iterations", "1", "--model-dir", str(tiny_model_dir), "--out", str(tmp_path))
    assert run_script(monkeypatch, "--runs", "eager:fp64", *common) == 1
    [result] = tmp_path.glob("model-latency-tiny-*.json")
    [failed] = json.loads(result.read_text())["records"]
    assert "unknown precision 'fp64'" in failed["error"]
    assert run_script(monkeypatch, "--runs", "eager:fp32", "--into", str(result), *common) == 0
    assert [r["precision"] for r in json.loads(result.read_text())["records"]] == ["fp64", "fp32"]
    assert list(tmp_path.glob("model-latency-tiny-*.json")) == [result]
    table = result.with_suffix(".md").read_text()
    assert "| eager | fp64 | failed: ModelDirError" in table and "| eager | fp32 |" in table
