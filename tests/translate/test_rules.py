"""Glossary lookups and attribute-phrase rules: what Chinese prompts become without Argos."""

from __future__ import annotations

import pytest

from sam3fn.translate import Translation, TranslationUnavailable, Translator
from sam3fn.translate.glossary import Glossary
from sam3fn.translate.phrases import PhraseRules


@pytest.fixture(scope="module")
def translator() -> Translator:
    return Translator()


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("狗", "dog"),
        ("汽车", "car"),
        ("车", "car"),
        ("人", "person"),
        ("帽子", "hat"),  # RAM maps 帽子 to both "cap" and "hat"
        ("大象", "elephant"),  # longest match: not 大 (big) + 象
        ("小狗", "puppy"),
    ],
)
def test_glossary_words_translate_to_the_common_noun(translator, chinese, english):
    assert translator.translate(chinese) == Translation(chinese, english, "glossary")


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("红色的汽车", "red car"),
        ("红色汽车", "red car"),
        ("红车", "red car"),
        ("蓝色的大狗", "big blue dog"),  # size goes before colour in English
        ("一只白色的猫", "white cat"),
        ("左边的狗", "dog on the left"),
        ("右侧的红色汽车", "red car on the right"),
        ("穿蓝色夹克的人", "person wearing blue jacket"),
        ("戴帽子的男人", "man wearing hat"),
        ("拿着伞的女人", "woman holding umbrella"),
        ("骑自行车的男孩", "boy riding bicycle"),
        ("穿着黑色外套戴着帽子的人", "person wearing black coat wearing hat"),
        ("桌子上的杯子", "cup on table"),
        ("左边穿红衣服的小女孩", "small girl wearing red clothes on the left"),
        ("红色的 Tesla", "red tesla"),  # latin words are English already
    ],
)
def test_attribute_phrases_are_translated_by_rule(translator, chinese, english):
    assert translator.translate(chinese) == Translation(chinese, english, "glossary")


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("两只狗", "dog"),
        ("三个人", "person"),
        ("2只猫", "cat"),
        ("十几辆车", "car"),
        ("一群羊", "sheep"),
        ("所有的椅子", "chair"),
        ("这些杯子", "cup"),
        ("两个戴安全帽的工人", "worker wearing hard hat"),
        ("百合", "lily"),  # a word that starts like a number stays a word
        ("三明治", "sandwich"),
    ],
)
def test_a_quantity_before_the_noun_is_dropped_as_sam3_finds_every_instance(translator, chinese, english):
    assert translator.translate(chinese) == Translation(chinese, english, "glossary")


@pytest.mark.parametrize(
    "chinese, english",
    [("细胞", "cell"), ("道路", "road"), ("人脸", "face"), ("裂缝", "crack"), ("叶子上的病斑", "disease spot on leaf"),
     ("太阳能板", "solar panel"), ("息肉", "polyp")],
)
def test_words_annotators_label_beyond_everyday_photos_need_no_argos(translator, chinese, english):
    assert translator.translate(chinese) == Translation(chinese, english, "glossary")


@pytest.mark.parametrize("chinese", ["狗和猫", "红色的蓝莓飞船", "正在看书的老人", "穿蓝色夹克", "的狗"])
def test_rules_answer_only_when_they_cover_the_whole_prompt(chinese):
    assert PhraseRules(Glossary.load()).translate(chinese) is None


def test_uncovered_prompt_without_argos_is_unavailable_not_partially_translated(translator):
    with pytest.raises(TranslationUnavailable, match="SAM3FN_ARGOS_MODEL"):
        translator.translate("红色的蓝莓飞船")


def test_punctuation_and_full_width_forms_around_chinese_are_ignored(translator):
    assert translator.translate(" “红色的汽车。” ").english == "red car"
    assert translator.translate("红色的ＴＥＳＬＡ").english == "red tesla"


def test_a_custom_glossary_replaces_the_packaged_one(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("# test glossary\n飞船\tspaceship\n", encoding="utf-8")
    translator = Translator(glossary_path=path)
    assert translator.translate("红色的飞船") == Translation("红色的飞船", "red spaceship", "glossary")
    with pytest.raises(TranslationUnavailable):
        translator.translate("狗")
    assert translator.describe()["glossary"] == {"entries": 1, "source": str(path)}


def test_a_malformed_glossary_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("狗\tdog\n猫 cat\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"glossary.tsv:2: expected 'chinese<TAB>english'"):
        Translator(glossary_path=path)


def test_a_glossary_that_yields_chinese_is_refused(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("怪物\t怪物 monster\n", encoding="utf-8")
    with pytest.raises(TranslationUnavailable, match="never sent to the model"):
        Translator(glossary_path=path).translate("怪物")


def test_long_prompts_skip_the_rule_search():
    rules = PhraseRules(Glossary.load(), max_chars=10)
    assert rules.translate("红色的大狗") == "big red dog"
    assert rules.translate("左边穿红衣服的小女孩在桌子上的杯子") is None
