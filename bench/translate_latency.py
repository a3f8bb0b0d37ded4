"""Prompt translation benchmark: glossary coverage and uncached latency of the glossary and Argos paths.

    python bench/translate_latency.py [--rounds 30] [--label NAME]

Coverage, per list (Chinese<TAB>expected English, alternatives split by |): bench/data/translate_prompts_zh.txt
(COCO classes as a Chinese user names them, attribute and relation phrases) and
bench/data/translate_prompts_zh_everyday.txt (pet breeds, street names for things, home, clothes, food,
inspection, farm and clinic words), bench/data/translate_prompts_zh_scenes.txt (who, doing what, where:
在公园散步的老人), bench/data/translate_prompts_zh_referring.txt (picking one: 最大的狗, 左边第二个人,
学校门口的人), bench/data/translate_prompts_zh_counted.txt (a quantity after what describes the thing:
穿白衣服的那个人, 桌子上的两个杯子), bench/data/translate_prompts_zh_parts.txt (a part of a thing: 汽车轮胎,
猫的眼睛) and bench/data/translate_prompts_zh_traditional.txt (Traditional characters and the words of Taiwan
and Hong Kong: 腳踏車, 的士). Then the six Simplified lists again, converted to Taiwan
and to Hong Kong Traditional by OpenCC (s2twp, s2hk): a converted prompt counts as expected when it translates
to what its Simplified form did. Latency is timed over the glossary-covered prompts of the six Simplified
lists, and of the Traditional one apart (their conversion to Simplified is in it).
The Argos figures use the tiny test package from tests/support/tiny_argos.py: they measure the overhead of
the Argos/CTranslate2 call path, not the speed or quality of the real translate-zh_en package.
Writes bench/results/translate[-NAME]-<UTC time>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))  # for support.tiny_argos

from support.tiny_argos import PAIRS, build_tiny_argos_model  # noqa: E402

from sam3fn.translate import TranslationUnavailable, Translator  # noqa: E402

PROMPT_LISTS = tuple(
    BENCH / "data" / f"translate_prompts_zh{suffix}.txt"
    for suffix in ("", "_everyday", "_scenes", "_referring", "_counted", "_parts", "_traditional")
)
SIMPLIFIED_LISTS = PROMPT_LISTS[:6]
# OpenCC's Simplified -> Traditional configurations: Taiwan characters and words, Hong Kong characters.
TRADITIONAL_FORMS = {"s2twp": "Taiwan", "s2hk": "Hong Kong"}


def read_prompts(path: Path) -> list[tuple[str, list[str]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            chinese, expected = line.split("\t")
            rows.append((chinese, expected.split("|")))
    return rows


def coverage(prompts: list[tuple[str, list[str]]], source: str) -> dict:
    translator = Translator()
    covered, correct, misses = 0, 0, []
    for chinese, expected in prompts:
        try:
            english = translator.translate(chinese).english
        except TranslationUnavailable:
            misses.append({"prompt": chinese, "expected": expected, "got": None})
            continue
        covered += 1
        if english in expected:
            correct += 1
        else:
            misses.append({"prompt": chinese, "expected": expected, "got": english})
    return {"list": source, "prompts": len(prompts), "covered": covered, "as_expected": correct, "misses": misses}


def converted_coverage(prompts: list[tuple[str, list[str]]], source: str, config: str) -> dict:
    """`prompts` rewritten in Traditional by OpenCC's `config`; as expected = the Simplified form's English."""
    import opencc

    converter, translator = opencc.OpenCC(config), Translator(cache_size=0)
    same, misses = 0, []
    for chinese, _ in prompts:
        written = converter.convert(chinese)
        simplified, traditional = (_translated(translator, text, "english") for text in (chinese, written))
        if traditional == simplified:
            same += 1
        else:
            misses.append({"prompt": written, "simplified": chinese, "expected": [simplified or "unavailable"],
                           "got": traditional})
    return {"list": source, "form": config, "prompts": len(prompts), "as_simplified": same, "misses": misses}


def first_conversion_ms() -> float:
    """The first Traditional prompt's translation in a fresh process: opencc's import and tables load then."""
    code = ("import time\nfrom sam3fn.translate import Translator, TranslationUnavailable\nt = Translator()\n"
            "s = time.perf_counter()\ntry:\n    t.translate('紅色的汽車')\nexcept TranslationUnavailable:\n    pass\n"
            "print((time.perf_counter() - s) * 1000)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return round(float(out.stdout.strip()), 2)


def latency(translator: Translator, texts: list[str], rounds: int) -> dict:
    """Per-call wall time of translate() with caching off, over `rounds` passes of `texts`."""
    times = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            translator.translate(text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 4),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 4),
        "max_ms": round(times[-1], 4),
    }


def argos_figures(rounds: int, work: Path) -> dict:
    model = build_tiny_argos_model(Path(tempfile.gettempdir()) / "sam3fn-tests" / "tiny-argos")
    translator = Translator(argos_model=model, argos_home=work / "argos-home", cache_size=0)
    start = time.perf_counter()
    translator.warm_up()
    warm_up_s = time.perf_counter() - start
    texts = [text for text in PAIRS if _translated(translator, text, "method") == "argos"]
    return {
        "model": "tiny test package (tests/support/tiny_argos.py), not the real translate-zh_en",
        "warm_up_first_install_s": round(warm_up_s, 3),
        "prompts": texts,
        **latency(translator, texts, rounds),
    }


def _translated(translator: Translator, text: str, field: str) -> str | None:
    """The translation's `field` ("english", "method"), None where the prompt is refused."""
    try:
        return getattr(translator.translate(text), field)
    except TranslationUnavailable:
        return None


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")), None)
    return {
        "cpu_count": os.cpu_count(),
        "cpu": cpu or platform.processor() or None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "argostranslate": metadata.version("argostranslate"),
        "ctranslate2": metadata.version("ctranslate2"),
    }


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def markdown(result: dict) -> str:
    m, g, a, e = result["machine"], result["glossary"], result["argos"], result["english"]
    t = result["glossary_traditional"]
    lines = [
        f"# Prompt translation benchmark, {result['date']}" + (f" ({result['label']})" if result["label"] else ""),
        "",
        f"Machine: {m['cpu_count']} CPUs ({m['cpu']}), Python {m['python']}, {m['platform']}, "
        f"argostranslate {m['argostranslate']}, ctranslate2 {m['ctranslate2']}; "
        f"packaged glossary of {result['glossary_entries']:,} entries.",
        "",
        "Glossary + rules coverage (no Argos model):",
        "",
        "| prompt list | prompts | covered | as expected |",
        "|---|---|---|---|",
        *(f"| `{c['list']}` | {c['prompts']} | {c['covered']} | {c['as_expected']} |" for c in result["coverage"]),
        "",
        "| path | prompts | calls | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
        *(_row(name, figures) for name, figures in (("none (English)", e), ("glossary + rules (Simplified lists)", g),
                                                    ("glossary + rules (Traditional list)", t), ("argos (tiny)", a))),
        "",
        "All latencies are uncached (cache_size=0). The Argos row uses the tiny test package built by "
        "tests/support/tiny_argos.py: it measures the Argos/CTranslate2 call overhead with a tiny model, "
        "not the real translate-zh_en package (whose decoder is far larger).",
        f"Argos warm_up (first install into an empty argos home, model load): {a['warm_up_first_install_s']} s.",
        "",
        "Prompts not translated as expected:",
        "",
        *(f"- {x['prompt']}: expected {' | '.join(x['expected'])}, got {x['got'] or 'unavailable'}"
          for c in result["coverage"] for x in c["misses"]),
        "",
        "The Simplified lists written in Traditional by OpenCC: prompts that translate as their Simplified form did.",
        "",
        "| prompt list | written as | prompts | as Simplified |",
        "|---|---|---|---|",
        *(f"| `{c['list']}` | {TRADITIONAL_FORMS[c['form']]} ({c['form']}) | {c['prompts']} | {c['as_simplified']} |"
          for c in result["traditional"]),
        "",
        *(f"- {x['prompt']} ({x['simplified']}): expected {x['expected'][0]}, got {x['got'] or 'unavailable'}"
          for c in result["traditional"] for x in c["misses"]),
        "",
        f"First Traditional prompt in a fresh process (opencc import and its tables): {result['first_conversion_ms']} ms.",
        "",
    ]
    return "\n".join(lines)


def _row(name: str, figures: dict) -> str:
    cells = [name, len(figures["prompts"]), figures["calls"], figures["p50_ms"], figures["p95_ms"], figures["max_ms"]]
    return "| " + " | ".join(map(str, cells)) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="prompt translation benchmark")
    parser.add_argument("--rounds", type=int, default=30, help="passes over the prompt lists per path")
    parser.add_argument("--out-dir", type=Path, default=BENCH / "results")
    parser.add_argument("--label", default="", help="a word for the file name, e.g. before-a-change")
    args = parser.parse_args(argv)

    lists = [(path.relative_to(BENCH.parent).as_posix(), read_prompts(path)) for path in PROMPT_LISTS]
    cov = [coverage(prompts, source) for source, prompts in lists]
    simplified_lists = lists[: len(SIMPLIFIED_LISTS)]
    traditional = [converted_coverage(prompts, source, config)
                   for config in TRADITIONAL_FORMS for source, prompts in simplified_lists]
    plain = Translator(cache_size=0)
    glossary_texts, traditional_texts = (
        [chinese for _, rows in part for chinese, _ in rows if _translated(plain, chinese, "method") == "glossary"]
        for part in (simplified_lists, lists[len(simplified_lists):])
    )
    english_texts = ["dog", "Red Car", "person wearing a blue jacket", "  traffic   light "]
    with tempfile.TemporaryDirectory() as work:
        argos = argos_figures(args.rounds, Path(work))
    now = datetime.now(timezone.utc)
    result = {
        "date": now.strftime("%Y-%m-%d"),
        "label": args.label,
        "glossary_entries": plain.describe()["glossary"]["entries"],
        "machine": machine(),
        "coverage": cov,
        "traditional": traditional,
        "first_conversion_ms": first_conversion_ms(),
        "english": {"prompts": english_texts, **latency(plain, english_texts, args.rounds)},
        "glossary": {"prompts": glossary_texts, **latency(plain, glossary_texts, args.rounds)},
        "glossary_traditional": {"prompts": traditional_texts, **latency(plain, traditional_texts, args.rounds)},
        "argos": argos,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / "-".join(filter(None, ("translate", args.label, now.strftime("%Y%m%dT%H%M%S"))))
    stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
