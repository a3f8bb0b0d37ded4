"""The candidate-map benchmark times the served encoder beside each zlib level and writes JSON and a table."""

from __future__ import annotations

import json
import sys

from bench import candidate_maps


def test_the_candidate_map_benchmark_compares_the_served_encoder_with_each_level(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["candidate_maps.py", "--count", "6", "--out", str(tmp_path)])
    candidate_maps.main()
    [doc] = [json.loads(p.read_text()) for p in tmp_path.glob("candidate-maps-*.json")]
    rows = doc["rows"]
    assert set(rows) == {"probs_to_png (served)", *(f"zlib level {n}" for n in candidate_maps.LEVELS)}
    assert rows["probs_to_png (served)"]["bytes_per_map"] == rows["zlib level 1"]["bytes_per_map"]  # what it serves
    assert rows["zlib level 9"]["bytes_per_map"] <= rows["zlib level 1"]["bytes_per_map"]
