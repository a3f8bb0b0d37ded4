"""Translator behaviour that needs no Argos model: pass-through, errors, caching, describe()."""

from __future__ import annotations

import threading

import pytest

from sam3fn.translate import SeveralThings, Translation, TranslationUnavailable, Translator, contains_cjk
from sam3fn.translate.phrases import PhraseRules


@pytest.mark.parametrize(
    "text, english",
    [
        ("dog", "dog"),
        ("  Red   CAR \n", "red car"),
        ("The dog.", "the dog."),  # English is the user's own noun phrase: only case and spaces change
        ("ｄｏｇ", "dog"),  # full-width latin is not Chinese
    ],
)
def test_english_passes_through_lowercased_with_spaces_collapsed(text, english):
    assert Translator().translate(text) == Translation(text, english, "none")


@pytest.mark.parametrize(
    "text, expected",
    [("dog", False), ("café crème", False), ("狗", True), ("red 车", True), ("犬です", True), ("개", True), ("dog。", True)],
)
def test_contains_cjk(text, expected):
    assert contains_cjk(text) is expected


def test_mixed_chinese_and_latin_counts_as_chinese():
    translator = Translator()
    assert translator.translate("红色的 Tesla") == Translation("红色的 Tesla", "red tesla", "glossary")
    with pytest.raises(TranslationUnavailable):
        translator.translate("我的 Tesla 很快")  # never passed through with its Chinese


def test_chinese_without_argos_says_which_setting_to_configure():
    translator = Translator()
    assert not translator.argos_available
    with pytest.raises(TranslationUnavailable) as caught:
        translator.translate("哗啦啦的瀑布")
    message = str(caught.value)
    assert "'哗啦啦的瀑布'" in message and "no Argos zh->en model is configured" in message
    assert "SAM3FN_ARGOS_MODEL" in message and "argos_model" in message


def test_missing_argos_model_file_is_unavailable(tmp_path):
    translator = Translator(argos_model=tmp_path / "missing.argosmodel", argos_home=tmp_path / "home")
    assert not translator.argos_available
    with pytest.raises(TranslationUnavailable, match="missing.argosmodel does not exist"):
        translator.translate("哗啦啦的瀑布")
    assert translator.describe()["argos"]["error"].endswith("does not exist (argos_model / SAM3FN_ARGOS_MODEL)")
    assert not (tmp_path / "home").exists()  # nothing installed, argos not even set up


def test_an_argos_model_that_is_a_directory_is_not_called_missing(tmp_path):
    # An installed Argos package is a directory: "does not exist" sent its owner looking for a typo.
    package = tmp_path / "translate-zh_en-1_9"
    package.mkdir()
    translator = Translator(argos_model=package, argos_home=tmp_path / "home")
    with pytest.raises(TranslationUnavailable, match="translate-zh_en-1_9 is a directory, not the .argosmodel file"):
        translator.translate("哗啦啦的瀑布")


def test_not_an_argos_archive_is_unavailable(tmp_path):
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_bytes(b"not a zip")
    translator = Translator(argos_model=bogus, argos_home=tmp_path / "home")
    with pytest.raises(TranslationUnavailable, match="is not a valid .argosmodel"):
        translator.warm_up()
    assert not translator.argos_available


def test_repeated_prompts_are_served_from_the_cache(monkeypatch):
    calls = []
    real = PhraseRules.translate
    monkeypatch.setattr(PhraseRules, "translate", lambda self, text: calls.append(text) or real(self, text))
    translator = Translator()
    first = translator.translate("红色的汽车")
    assert translator.translate("红色的汽车") is first
    assert calls == ["红色的汽车"]
    assert translator.describe()["cache"] == {"size": 1, "capacity": 4096, "hits": 1, "misses": 1}


def test_cache_is_bounded_and_evicts_the_least_recently_used(monkeypatch):
    calls = []
    real = PhraseRules.translate
    monkeypatch.setattr(PhraseRules, "translate", lambda self, text: calls.append(text) or real(self, text))
    translator = Translator(cache_size=2)
    for text in ["狗", "猫", "狗", "马", "狗", "猫"]:  # 马 evicts 猫 (狗 was used more recently)
        translator.translate(text)
    assert calls == ["狗", "猫", "马", "猫"]
    assert translator.describe()["cache"]["size"] == 2


def test_cache_size_zero_disables_caching(monkeypatch):
    calls = []
    real = PhraseRules.translate
    monkeypatch.setattr(PhraseRules, "translate", lambda self, text: calls.append(text) or real(self, text))
    translator = Translator(cache_size=0)
    translator.translate("狗")
    translator.translate("狗")
    assert calls == ["狗", "狗"]


def test_concurrent_translations_agree_and_keep_the_cache_bounded():
    translator = Translator(cache_size=8)
    texts = ["狗", "猫", "红色的汽车", "戴帽子的男人", "左边的狗", "dog", "大象", "小狗", "桌子上的杯子", "人"] * 20
    expected = {text: Translator().translate(text) for text in set(texts)}
    errors = []

    def work(offset: int):
        for text in texts[offset:] + texts[:offset]:
            if translator.translate(text) != expected[text]:
                errors.append(text)

    threads = [threading.Thread(target=work, args=(i * 7,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert translator.describe()["cache"]["size"] <= 8


def test_describe_reports_glossary_size_and_no_argos():
    info = Translator().describe()
    assert info["glossary"]["entries"] > 4000
    assert info["argos"] is None


def test_importing_the_package_does_not_import_argos():
    import subprocess
    import sys

    code = "import sys, sam3fn.translate; print([m for m in sys.modules if m.startswith(('argos', 'ctranslate2'))])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "prompt, parts",
    [
        ("狗和猫", [("狗", "dog"), ("猫", "cat")]),
        ("桌子与椅子", [("桌子", "table"), ("椅子", "chair")]),
        ("男人和女人", [("男人", "man"), ("女人", "woman")]),
        ("汽车以及行人", [("汽车", "car"), ("行人", "pedestrian")]),
        ("狗與貓", [("狗", "dog"), ("貓", "cat")]),  # Traditional: each piece is read as any prompt is
        ("红色的车或者白色的狗", [("红色的车", "red car"), ("白色的狗", "white dog")]),
    ],
)
def test_a_prompt_joining_several_things_is_refused_with_each_thing_named(prompt, parts):
    """SAM 3 finds one kind of thing per prompt; one joined prompt would put dogs and cats under one category."""
    with pytest.raises(SeveralThings) as refused:
        Translator().translate(prompt)
    assert refused.value.parts == parts
    message = str(refused.value)
    assert all(f"{zh} -> {en}" in message for zh, en in parts) and "a prompt of its own" in message


@pytest.mark.parametrize("prompt", ["跟着妈妈的孩子", "大的和小的", "狗和", "桌子和椅子上的书", "猫的眼睛和耳朵"])
def test_a_conjunction_that_does_not_split_cleanly_is_not_a_list_of_things(prompt):
    """跟 as "following", two bare sizes, nothing after 和, a 的 on one side only (books on the table and the
    chair; the cat's eyes and ears): refused as untranslatable, not cut into pieces that misread it."""
    with pytest.raises(TranslationUnavailable) as refused:
        Translator().translate(prompt)
    assert not isinstance(refused.value, SeveralThings)


def test_words_holding_a_conjunction_character_still_translate():
    assert Translator().translate("和服").english == "kimono"


def test_several_things_are_refused_before_argos_would_join_them(argos_translator):
    with pytest.raises(SeveralThings):
        argos_translator.translate("狗和猫")
