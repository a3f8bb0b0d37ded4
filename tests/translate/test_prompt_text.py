"""Prompts as sent -> prompts as the translator and the model take them: one normalisation, one set of checks.

Invisible format characters pasted from web pages are dropped before translation as well as before the
model, control characters are refused, and error messages never echo a whole long prompt.
"""

from __future__ import annotations

import io

import pytest

from sam3fn.core.errors import PromptError
from sam3fn.core.segmenter import Prompt
from sam3fn.pipeline import MAX_PROMPT_CHARS, Pipeline, TranslationRequired
from sam3fn.translate import Translation, TranslationUnavailable, Translator
from sam3fn.translate.command import run
from sam3fn.core.prompt_text import normalize_prompt


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator()  # glossary and rules only


@pytest.fixture(scope="module")
def pipeline(translator) -> Pipeline:
    return Pipeline(segmenter=None, translator=translator)  # prompts() never touches the segmenter


@pytest.mark.parametrize(
    "sent, english",
    [("狗\u200b", "dog"), ("\ufeff狗", "dog"), ("狗\u00ad", "dog"), ("红\u200b色的车", "red car"),
     ("\u200d狗\u2060", "dog"), ("\u202a狗\u202c", "dog")],
)
def test_invisible_characters_in_chinese_prompts_are_dropped_before_translation(pipeline, translator, sent, english):
    [prompt] = pipeline.prompts([sent])
    assert prompt == Prompt(sent=sent, model=english, translation="glossary")  # `prompt` echoes what was sent
    assert translator.translate(sent) == Translation(sent, english, "glossary")  # what `sam3fn translate` calls


def test_sam3fn_translate_command_translates_a_prompt_with_a_zero_width_space(translator):
    out = io.StringIO()
    assert run(["狗\u200b", "\u200b"], translator, out=out) == 1  # what `sam3fn translate` runs
    lines = out.getvalue().splitlines()
    assert lines[0] == "狗\u200b\tdog\tglossary"
    assert lines[1].startswith("\u200b\t-\tunavailable: ") and "empty" in lines[1]


@pytest.mark.parametrize(
    "sent, model",
    [("dog\u200b", "dog"), ("ｄｏｇ", "dog"), ("ﬁsh", "fish"), ("red\u3000car", "red car"),
     ("red\tcar\r\n", "red car"), ("red\u00a0car", "red car")],
)
def test_english_prompts_are_normalised_with_or_without_a_translator(translator, sent, model):
    for pipe in (Pipeline(segmenter=None, translator=translator), Pipeline(segmenter=None)):
        [prompt] = pipe.prompts([sent])
        assert (prompt.sent, prompt.model, prompt.translation) == (sent, model, "none")


def test_normalisation_is_idempotent():
    for text in ["狗\u200b", " Red\tCAR ", "ｄｏｇ\ufeff", "e\u200b\u0301", "ﷺ"]:
        once = normalize_prompt(text)
        assert normalize_prompt(once) == once


@pytest.mark.parametrize("sent", ["\x00", "\x01\x02", "\x1b", "\x7f", "dog\x00cat", "\x1bdog", "dog\x9b", "a\x1fb"])
def test_control_characters_in_a_prompt_are_refused_naming_its_position(pipeline, sent):
    with pytest.raises(PromptError) as caught:
        pipeline.prompts(["cat", sent])
    assert caught.value.code == "invalid_prompt"
    assert "prompt 2 " in caught.value.message and "control character" in caught.value.message


@pytest.mark.parametrize("sent", ["\u200b", "\ufeff \u200d", " \t\n", "\u00ad"])
def test_a_prompt_empty_after_normalisation_is_an_empty_prompt(pipeline, sent):
    with pytest.raises(PromptError) as caught:
        pipeline.prompts([sent])
    assert caught.value.code == "empty_prompt"


def test_a_prompt_longer_than_the_limit_is_refused_before_translation_or_tokenizing(pipeline):
    assert pipeline.prompts(["a" * MAX_PROMPT_CHARS])[0].model == "a" * MAX_PROMPT_CHARS
    for sent in ["dog " * 100_000, "狗" * (MAX_PROMPT_CHARS + 1)]:
        with pytest.raises(PromptError) as caught:
            pipeline.prompts([sent])
        assert caught.value.code == "prompt_too_long"
        assert str(MAX_PROMPT_CHARS) in caught.value.message and len(caught.value.message) < 300


def test_invisible_characters_do_not_count_towards_the_length_limit(pipeline):
    [prompt] = pipeline.prompts(["dog" + "\u200b" * 1000])
    assert prompt.model == "dog"


def test_translation_errors_quote_a_long_prompt_cut_with_an_ellipsis(translator):
    long = "哗啦啦的瀑布" * 20_000
    with pytest.raises(TranslationUnavailable) as caught:
        translator.translate(long)
    message = str(caught.value)
    assert len(message) < 400 and "…" in message and "120,000 characters" in message
    with pytest.raises(TranslationRequired) as caught:
        Pipeline(segmenter=None).prompts(["哗啦啦的瀑布" * 30])  # 180 characters: under the limit, over the excerpt
    assert len(caught.value.message) < 300 and "…" in caught.value.message


def test_the_translator_refuses_control_characters_and_blank_prompts_itself(translator):
    with pytest.raises(TranslationUnavailable, match="control character"):
        translator.translate("狗\x00")
    with pytest.raises(TranslationUnavailable, match="empty"):
        translator.translate("\u200b")
