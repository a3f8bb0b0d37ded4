"""The one-command GPU measurement runs every step, in its CPU smoke form, and leaves each step's output."""

from __future__ import annotations

import json


def test_gpu_bench_smoke_builds_tests_times_and_serves_through_aoti(bench_smoke):
    """The run itself is the session's `bench_smoke` (tests/conftest.py), whose engines the engine tests use."""
    assert bench_smoke.returncode == 0, bench_smoke.output[-4000:]
    results, work = bench_smoke.results, bench_smoke.work
    [probe] = results.glob("aoti-load-probe-cpu-*.json")
    probed = json.loads(probe.read_text())
    assert probed["working"] == "default" and [r["variant"] for r in probed["variants"]] == ["default"]
    assert (work / "inductor-options").read_text() == ""  # the default form: no settings to pass
    assert [(r["loader"], r["outcome"], r["reached"]) for r in probed["variants"][0]["loads"]] == [
        ("torch.aoti_load_package", "ok", "ran"), ("sam3fn.load_aoti_package", "ok", "ran"),
        ("sam3fn.load_unpacked", "ok", "ran")]
    [manifest] = results.glob("engine-manifest-aoti-fp32-*.json")
    assert all(s["passed"] for s in json.loads(manifest.read_text())["stages"].values())
    [build_log] = results.glob("engine-build-aoti-fp32-*.log")  # progress stage by stage, then the summary table
    assert "[decoder] parity PASS" in build_log.read_text() and "| decoder |" in build_log.read_text()
    assert " passed" in next(results.glob("gpu-tests-*.log")).read_text()
    [masks] = results.glob("mask-encoding-cpu-*.json")
    assert [r["instances"] for r in json.loads(masks.read_text())["records"]] == [1, 10]
    [latency] = results.glob("model-latency-tiny-*.json")
    assert [r["backend"] for r in json.loads(latency.read_text())["records"]] == ["eager", "aoti"]
    [serve] = results.glob("serve-latency-*.json")
    doc = json.loads(serve.read_text())
    assert doc["info"]["backend"] == "aoti" and doc["cases"]["1_prompt"]["client_p50_ms"] > 0
    [load] = results.glob("aoti-stage-load-cpu-tiny-*.json")
    records = json.loads(load.read_text())["records"]
    assert [r["stage"] for r in records] == ["image", "text", "decoder"]
    assert all(r["package_s"] > 0 and r["unpacked_s"] > 0 for r in records)
