"""Traditional Chinese prompts (Taiwan, Hong Kong) translate as their Simplified form does, through OpenCC."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.translate_latency import SIMPLIFIED_LISTS, converted_coverage, read_prompts
from sam3fn.translate import Translation, TranslationUnavailable, Translator
from sam3fn.translate.script import simplified


@pytest.mark.parametrize(
    "traditional, simplified_form",
    [
        ("紅色的汽車", "红色的汽车"),
        ("穿藍色夾克的人", "穿蓝色夹克的人"),
        ("一隻貓", "一只猫"),
        ("左邊第二個人", "左边第二个人"),
        ("在公園散步的老人", "在公园散步的老人"),
        ("戴著帽子的男人", "戴着帽子的男人"),
        ("揹著書包的學生", "背着书包的学生"),  # 揹 and 背著, which OpenCC keeps as they are
        ("衞生間", "卫生间"),  # a Hong Kong variant character
        ("「紅色的車。」", "红色的车"),  # with its quotes, as pasted
    ],
)
def test_traditional_prompts_translate_as_their_simplified_form(traditional, simplified_form):
    translator = Translator()
    expected = translator.translate(simplified_form).english
    assert translator.translate(traditional) == Translation(traditional, expected, "glossary")


@pytest.mark.parametrize(
    "taiwan, english",
    [("滑鼠", "mouse"), ("計程車", "taxi"), ("腳踏車", "bicycle"), ("機車", "motorcycle"),
     ("停在路邊的機車", "motorcycle parked by the roadside"), ("鳳梨", "pineapple")],
)
def test_taiwan_words_reach_the_words_the_glossary_knows(taiwan, english):
    assert Translator().translate(taiwan).english == english


def test_the_taiwan_word_table_is_tried_last_so_a_shared_word_keeps_its_meaning():
    # tw2sp reads 桌布 as Taiwan's computing word (wallpaper): only the characters-only form is safe first.
    assert simplified("桌布") == ("桌布", "壁纸")
    assert simplified("紅色的桌布") == ("红色的桌布", "红色的壁纸")
    translator = Translator()
    assert translator.translate("桌布").english == "tablecloth"
    assert translator.translate("紅色的桌布").english == "red tablecloth"


def test_simplified_and_english_text_is_its_own_characters_form():
    for text in ("红色的汽车", "背着书包的学生", "干净的桌子", "头发", "里面的人", "dog", "3 个杯子"):
        assert simplified(text)[0] == text


@pytest.mark.parametrize("config", ["s2twp", "s2hk"])
def test_every_benchmark_prompt_written_in_traditional_translates_as_before(config):
    """The five Simplified benchmark lists, rewritten by OpenCC's Simplified -> Taiwan (with Taiwan words) and
    -> Hong Kong tables: the reverse direction of what the translator uses, so not the same table twice."""
    counts = [converted_coverage(read_prompts(path), path.name, config) for path in SIMPLIFIED_LISTS]
    assert sum(c["prompts"] for c in counts) > 400
    assert [miss for c in counts for miss in c["misses"]] == []


def test_argos_is_given_the_simplified_text(argos_translator):
    # The tiny package knows 蓝莓飞船 only in Simplified (tests/support/tiny_argos.py), as the real zh->en
    # package mostly does.
    assert argos_translator.translate("藍莓飛船") == Translation("藍莓飛船", "blueberry spaceship", "argos")


def test_untranslatable_traditional_text_names_what_was_typed():
    with pytest.raises(TranslationUnavailable, match="'嘩啦啦的瀑布'"):
        Translator().translate("嘩啦啦的瀑布")


def test_english_and_glossary_covered_simplified_prompts_never_load_opencc():
    code = ("import sys\nfrom sam3fn.translate import Translator\nt = Translator()\n"
            "for p in ('dog', '红色的汽车', '穿蓝色夹克的人', '左边第二个人'):\n    t.translate(p)\n"
            "assert 'opencc' not in sys.modules, 'opencc loaded'\nt.translate('貓')\n"
            "assert 'opencc' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
