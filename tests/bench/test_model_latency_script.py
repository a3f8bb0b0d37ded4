"""The latency benchmark script runs end to end (tiny model, CPU) and writes the documented record fields."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"backend", "precision", "gpu", "image_ms", "text_ms", "decode_ms", "e2e_p50_ms", "e2e_100inst_ms",
          "peak_gb", "batch8_peak_gb", "allocated_peak_gb", "outside_allocator_gb", "cold_start_s",
          "throughput_images_per_s"}
GIB = 2 ** 30


def run_script(monkeypatch, *args) -> int:
    monkeypatch.setattr(sys, "argv", ["model_latency.py", "--config", "tiny", "--device", "cpu", *args])
    try:
        runpy.run_path(str(ROOT / "bench" / "model_latency.py"), run_name="__main__")
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_every_configuration_is_measured_or_recorded_as_failed_in_json_and_table(tmp_path, tiny_model_dir, monkeypatch):
    # GPU time is scarce: a configuration that fails is recorded and the next one is still measured.
    assert run_script(monkeypatch, "--runs", "eager:fp64", "eager:fp32", "--iterations", "2",
                      "--model-dir", str(tiny_model_dir), "--out", str(tmp_path)) == 1
    [result] = tmp_path.glob("model-latency-tiny-*.json")
    failed, record = json.loads(result.read_text())["records"]
    assert "unknown precision 'fp64'" in failed["error"]
    assert FIELDS <= set(record) and record["backend"] == "eager" and record["precision"] == "fp32"
    assert record["e2e_p50_ms"] > 0 and record["cold_start_s"] > 0
    assert set(record["throughput_images_per_s"]) == {"1", "4", "8"}
    table = result.with_suffix(".md").read_text()
    assert "| eager | fp64 | failed: ModelDirError" in table and "| eager | fp32 |" in table


def test_a_later_run_adds_its_configurations_to_the_same_file(tmp_path, tiny_model_dir, monkeypatch):
    # Both configurations fail before loading anything: what is under test is where their records go.
    common = ("--iterations", "1", "--model-dir", str(tiny_model_dir), "--out", str(tmp_path))
    assert run_script(monkeypatch, "--runs", "eager:fp64", *common) == 1
    [result] = tmp_path.glob("model-latency-tiny-*.json")
    assert run_script(monkeypatch, "--runs", "nope:fp32", "--into", str(result), *common) == 1
    assert [r["backend"] for r in json.loads(result.read_text())["records"]] == ["eager", "nope"]
    assert list(tmp_path.glob("model-latency-tiny-*.json")) == [result]
    table = result.with_suffix(".md").read_text()
    assert "| eager | fp64 | failed:" in table and "| nope | fp32 | failed: ModelDirError: unknown backend" in table


def memory_figures(**counts) -> dict:
    script = runpy.run_path(str(ROOT / "bench" / "model_latency.py"), run_name="model_latency")
    return script["memory_figures"](**counts)


def test_peak_memory_counts_weights_held_outside_torchs_allocator():
    # An AOTInductor engine: 1.5 GiB of weights cudaMalloc'd by the package, 1 GiB reserved by torch at
    # the end (2 GiB at the peak), of which 0.75 GiB was allocated at the peak.
    fig = memory_figures(free_before=100 * GIB, reserved_before=0, free_now=97.5 * GIB, reserved_now=1 * GIB,
                         reserved_peak=2 * GIB, allocated_peak=0.75 * GIB)
    assert fig == {"peak_gb": 3.5, "allocated_peak_gb": 0.75, "outside_allocator_gb": 1.5}


def test_peak_memory_of_a_model_wholly_in_torchs_allocator_is_its_peak_reservation_beyond_the_baseline():
    # Eager: everything went through the allocator; 0.25 GiB was already reserved before loading.
    fig = memory_figures(free_before=100 * GIB, reserved_before=0.25 * GIB, free_now=97.25 * GIB,
                         reserved_now=3 * GIB, reserved_peak=3.5 * GIB, allocated_peak=3 * GIB)
    assert fig == {"peak_gb": 3.25, "allocated_peak_gb": 3.0, "outside_allocator_gb": 0.0}
