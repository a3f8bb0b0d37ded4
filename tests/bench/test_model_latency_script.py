"""The latency benchmark script runs end to end (tiny model, CPU) and writes the documented record fields."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"backend", "precision", "gpu", "image_ms", "text_ms", "decode_ms", "e2e_p50_ms", "e2e_100inst_ms",
          "peak_gb", "cold_start_s", "throughput_images_per_s"}


def test_benchmark_writes_json_and_table(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["model_latency.py", "--config", "tiny", "--device", "cpu", "--runs", "eager:fp32",
                                      "--iterations", "2", "--model-dir", str(tiny_model_dir), "--out", str(tmp_path)])
    try:
        runpy.run_path(str(ROOT / "bench" / "model_latency.py"), run_name="__main__")
    except SystemExit as exit_:
        assert exit_.code == 0
    [result] = tmp_path.glob("model-latency-tiny-*.json")
    doc = json.loads(result.read_text())
    [record] = doc["records"]
    assert FIELDS <= set(record) and record["backend"] == "eager" and record["precision"] == "fp32"
    assert record["e2e_p50_ms"] > 0 and record["cold_start_s"] > 0
    assert set(record["throughput_images_per_s"]) == {"1", "4", "8"}
    assert "| eager | fp32 |" in result.with_suffix(".md").read_text()
