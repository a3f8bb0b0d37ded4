"""The translation benchmark covers every prompt list it names, both Traditional forms, and writes its table."""

from __future__ import annotations

import json

from bench import translate_latency


def test_the_translation_benchmark_measures_every_list_and_both_traditional_forms(tmp_path):
    assert translate_latency.main(["--rounds", "1", "--label", "t", "--out-dir", str(tmp_path)]) == 0
    [doc] = [json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("translate-t-*.json")]
    lists = [path.relative_to(translate_latency.BENCH.parent).as_posix() for path in translate_latency.PROMPT_LISTS]
    assert [c["list"] for c in doc["coverage"]] == lists
    assert all(c["prompts"] == c["covered"] + sum(m["got"] is None for m in c["misses"]) for c in doc["coverage"])
    forms = {(c["form"], c["list"]) for c in doc["traditional"]}
    assert forms == {(form, name) for form in ("s2twp", "s2hk") for name in lists[:5]}
    assert all(c["as_simplified"] + len(c["misses"]) == c["prompts"] for c in doc["traditional"])
    # Latency rows: the Traditional list is timed apart from the Simplified ones, each only where covered.
    assert doc["glossary_traditional"]["prompts"] and doc["glossary"]["prompts"]
    assert doc["first_conversion_ms"] > 0
    table = next(tmp_path.glob("translate-t-*.md")).read_text(encoding="utf-8")
    assert "| `bench/data/translate_prompts_zh_traditional.txt` |" in table and "Hong Kong (s2hk)" in table
