"""The serving benchmark starts a real `sam3fn serve`, times every case over HTTP, and writes JSON and a table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_serving_benchmark_records_cold_start_info_and_every_case(tmp_path, tiny_model_dir):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "serve_latency.py"), "--model-dir", str(tiny_model_dir),
                           "--device", "cpu", "--side", "192", "--runs", "2", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [result] = tmp_path.glob("serve-latency-*.json")
    doc = json.loads(result.read_text())
    assert doc["ready_s"] > 0 and doc["info"]["backend"] == "eager" and doc["info"]["random_weights"] is True
    cases = doc["cases"]
    assert set(cases) == {"1_prompt", "8_prompts", "extra_prompt_cached_image", "1_prompt_with_candidates",
                          "1_prompt_threshold_0.01"}
    assert all(c["client_p50_ms"] > 0 and c["server_ms"]["total_ms"] > 0 for c in cases.values())
    # New-image cases really encode the image; the cached case really does not.
    assert cases["8_prompts"]["server_ms"]["image_encode_ms"] > 0
    assert cases["extra_prompt_cached_image"]["server_ms"]["image_encode_ms"] == 0
    assert cases["1_prompt_threshold_0.01"]["instances_median"] > cases["1_prompt"]["instances_median"]
    assert "| 8_prompts |" in result.with_suffix(".md").read_text()
