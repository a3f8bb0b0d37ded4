"""`sam3fn translate TEXT...` output: one tab-separated line per prompt."""

from __future__ import annotations

import io

from sam3fn.translate import Translator
from sam3fn.translate.command import run


def test_each_text_prints_source_english_and_method(argos_translator):
    out = io.StringIO()
    assert run(["狗", "  Red CAR", "蓝莓飞船"], argos_translator, out=out) == 0
    assert out.getvalue() == "狗\tdog\tglossary\n  Red CAR\tred car\tnone\n蓝莓飞船\tblueberry spaceship\targos\n"


def test_untranslatable_text_prints_the_reason_and_exits_1():
    out = io.StringIO()
    assert run(["狗", "哗啦啦的瀑布", "cat"], Translator(), out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "狗\tdog\tglossary"
    source, english, reason = lines[1].split("\t")
    assert (source, english) == ("哗啦啦的瀑布", "-")
    assert reason.startswith("unavailable: cannot translate '哗啦啦的瀑布'") and "SAM3FN_ARGOS_MODEL" in reason
    assert lines[2] == "cat\tcat\tnone"  # later texts are still translated


def test_tabs_and_newlines_in_a_source_do_not_break_the_columns():
    out = io.StringIO()
    assert run(["red\tcar\nlights"], Translator(), out=out) == 0
    assert out.getvalue() == "red car lights\tred car lights\tnone\n"


def test_an_empty_prompt_is_reported_as_segment_would_refuse_it():
    out = io.StringIO()
    assert run(["", "  ", "dog"], Translator(), out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["\t-\tunavailable: the prompt is empty", "  \t-\tunavailable: the prompt is empty"]
    assert lines[2] == "dog\tdog\tnone"


def test_a_prompt_too_long_for_segment_is_reported_as_segment_would_refuse_it():
    from sam3fn.pipeline import MAX_PROMPT_CHARS

    out = io.StringIO()
    assert run(["a" * (MAX_PROMPT_CHARS + 1), "a" * MAX_PROMPT_CHARS], Translator(), out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t")[1:] == ["-", f"unavailable: the prompt is 201 characters long; at most {MAX_PROMPT_CHARS} are accepted"]
    assert lines[1].split("\t")[1:] == ["a" * MAX_PROMPT_CHARS, "none"]
