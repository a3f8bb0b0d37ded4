"""The eager parity benchmark runs the gate's chain and metrics for each stage and writes JSON and a table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_eager_parity_writes_each_stage_with_the_gate_verdict(tmp_path, tiny_model_dir):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "parity_eager.py"), "--config", "tiny",
                           "--model-dir", str(tiny_model_dir), "--precision", "bf16", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [result] = tmp_path.glob("parity-eager-tiny-bf16-cpu-*.json")
    doc = json.loads(result.read_text())
    assert [r["stage"] for r in doc["records"]] == ["decoder", "text", "image"]
    for record in doc["records"]:
        assert 0.9 < record["mask_cosine"] <= 1.0 and record["score_max_abs"] > 0
        assert isinstance(record["failures"], list)
    assert "| decoder |" in result.with_suffix(".md").read_text()
