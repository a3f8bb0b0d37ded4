"""The translation benchmark covers every prompt list it names, both Traditional forms, and writes its table."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import translate_latency


def test_the_translation_benchmark_measures_every_list_and_both_traditional_forms(tmp_path):
    # In its own process: argostranslate holds one package home per process, and the script installs the tiny
    # package into a temporary one, which would then refuse the shared home the other tests use.
    script = translate_latency.BENCH / "translate_latency.py"
    subprocess.run([sys.executable, str(script), "--rounds", "1", "--label", "t", "--out-dir", str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    [doc] = [json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("translate-t-*.json")]
    lists = [path.relative_to(translate_latency.BENCH.parent).as_posix() for path in translate_latency.PROMPT_LISTS]
    assert [c["list"] for c in doc["coverage"]] == lists
    assert all(c["prompts"] == c["covered"] + sum(m["got"] is None for m in c["misses"]) for c in doc["coverage"])
    forms = {(c["form"], c["list"]) for c in doc["traditional"]}
    assert forms == {(form, name) for form in ("s2twp", "s2hk") for name in lists[:6]}
    assert all(c["as_simplified"] + len(c["misses"]) == c["prompts"] for c in doc["traditional"])
    # Latency rows: the Traditional list is timed apart from the Simplified ones, each only where covered.
    assert doc["glossary_traditional"]["prompts"] and doc["glossary"]["prompts"]
    assert doc["first_conversion_ms"] > 0
    table = next(tmp_path.glob("translate-t-*.md")).read_text(encoding="utf-8")
    assert "| `bench/data/translate_prompts_zh_traditional.txt` |" in table and "Hong Kong (s2hk)" in table
