"""The Argos path, on a tiny zh->en package trained for the tests, with the network forbidden."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support.offline import OfflineViolation, offline

from sam3fn.translate import Translation, TranslationUnavailable, Translator
from sam3fn.translate.argos import ArgosBackend

TESTS_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("蓝莓飞船", "blueberry spaceship"),  # a made-up phrase: only the model knows it
        ("戴着王冠的青蛙", "frog wearing a crown"),
        ("彩虹色的章鱼", "rainbow octopus"),  # (飞翔的海鸥 was here: the rules read it now, "gull flying")
        ("哗啦啦的瀑布", "roaring waterfall"),  # model: "The roaring waterfall."
        ("会唱歌的茶壶", "singing teapot"),  # model: "A Singing Teapot!"
    ],
)
def test_argos_translates_what_the_glossary_cannot_offline(argos_translator, offline_guard, chinese, english):
    assert argos_translator.translate(chinese) == Translation(chinese, english, "argos")
    assert offline_guard.attempts == []


def test_argos_output_is_normalised_to_a_noun_phrase(tiny_argos_model, argos_home):
    raw = ArgosBackend(tiny_argos_model, argos_home).translate("哗啦啦的瀑布")
    assert raw == "The roaring waterfall."
    assert Translator(argos_model=tiny_argos_model, argos_home=argos_home).translate("哗啦啦的瀑布").english == (
        "roaring waterfall"
    )


def test_glossary_and_rules_come_before_argos(argos_translator, monkeypatch):
    monkeypatch.setattr(ArgosBackend, "translate", lambda self, text: pytest.fail(f"Argos asked for {text!r}"))
    assert argos_translator.translate("狗") == Translation("狗", "dog", "glossary")
    # the tiny model would answer "person in blue jacket"
    assert argos_translator.translate("穿蓝色夹克的人").english == "person wearing a blue jacket"


def test_argos_output_with_chinese_is_refused(argos_translator):
    with pytest.raises(TranslationUnavailable, match="'未知 thing', which is empty or still holds CJK text"):
        argos_translator.translate("未知的东西")


def test_package_is_installed_into_the_configured_home(argos_translator, argos_home):
    argos_translator.warm_up()
    import argostranslate.package
    import argostranslate.settings

    assert Path(argostranslate.settings.package_data_dir) == argos_home / "packages"
    assert argostranslate.settings.data_dir.is_relative_to(argos_home)  # not ~/.local/share
    assert argostranslate.settings.config_dir.is_relative_to(argos_home)  # no user settings.json
    installed = argos_home / "packages" / "translate-zh_en-tiny"
    assert json.loads((installed / "metadata.json").read_text())["from_code"] == "zh"
    assert installed in [p.package_path for p in argostranslate.package.get_installed_packages()]


def test_an_installed_package_is_not_reinstalled(tiny_argos_model, argos_home, monkeypatch):
    import argostranslate.package

    Translator(argos_model=tiny_argos_model, argos_home=argos_home).warm_up()
    installs = []
    real_install = argostranslate.package.install_from_path
    monkeypatch.setattr(argostranslate.package, "install_from_path", lambda p: installs.append(p) or real_install(p))
    Translator(argos_model=tiny_argos_model, argos_home=argos_home).warm_up()
    assert installs == []
    (argos_home / "packages" / "translate-zh_en-tiny" / ".sam3fn-source").unlink()  # e.g. a different archive
    Translator(argos_model=tiny_argos_model, argos_home=argos_home).warm_up()
    assert installs == [tiny_argos_model]


def test_a_second_argos_home_in_the_same_process_is_refused(argos_translator, tiny_argos_model, tmp_path):
    argos_translator.warm_up()
    other = Translator(argos_model=tiny_argos_model, argos_home=tmp_path / "other-home")
    with pytest.raises(TranslationUnavailable, match="use a single argos_home"):
        other.translate("蓝莓飞船")


def test_a_package_for_another_language_pair_is_refused(tiny_argos_model, argos_home, tmp_path):
    en_es = tmp_path / "translate-en_es.argosmodel"
    with zipfile.ZipFile(tiny_argos_model) as src, zipfile.ZipFile(en_es, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("/metadata.json"):
                data = json.dumps({**json.loads(data), "from_code": "en", "to_code": "es"}).encode()
            dst.writestr(item, data)
    with pytest.raises(TranslationUnavailable, match="translates en->es, not zh->en"):
        Translator(argos_model=en_es, argos_home=argos_home).translate("蓝莓飞船")


def test_warm_up_loads_the_model_without_translating(argos_translator, monkeypatch):
    monkeypatch.setattr(ArgosBackend, "translate", lambda self, text: pytest.fail("warm_up translated"))
    assert argos_translator.describe()["argos"]["loaded"] is False
    argos_translator.warm_up()
    assert argos_translator.argos_available
    argos = argos_translator.describe()["argos"]
    assert argos["loaded"] is True
    assert {k: argos[k] for k in ("from_code", "to_code", "package_version")} == {
        "from_code": "zh", "to_code": "en", "package_version": "0.0.1-tiny",
    }  # fmt: skip


def test_argos_results_are_cached(argos_translator, monkeypatch):
    calls = []
    real = ArgosBackend.translate
    monkeypatch.setattr(ArgosBackend, "translate", lambda self, text: calls.append(text) or real(self, text))
    first = argos_translator.translate("蓝莓飞船")
    assert argos_translator.translate("蓝莓飞船") is first
    assert calls == ["蓝莓飞船"]


def test_no_sentence_splitter_runs(argos_translator, offline_guard, monkeypatch):
    import argostranslate.package  # noqa: F401  (installing imports argostranslate.sbd and stanza)
    import stanza
    from argostranslate import sbd

    def forbidden(*args, **kwargs):
        raise AssertionError("a sentence splitter was used")

    monkeypatch.setattr(stanza, "Pipeline", forbidden)
    for splitter in (sbd.StanzaSentencizer, sbd.MiniSBDSentencizer, sbd.SpacySentencizerSmall):
        monkeypatch.setattr(splitter, "__init__", forbidden)
        monkeypatch.setattr(splitter, "split_sentences", forbidden)
    argos_translator.warm_up()
    assert argos_translator.translate("彩虹色的章鱼").english == "rainbow octopus"
    assert offline_guard.attempts == []


def test_translation_works_with_stanza_spacy_and_minisbd_unimportable(argos_translator, argos_home, tiny_argos_model):
    argos_translator.warm_up()  # installed already: the child process only loads it
    code = f"""
import sys
sys.path.insert(0, {str(TESTS_DIR)!r})
for name in ("stanza", "spacy", "minisbd", "onnxruntime"):
    sys.modules[name] = None  # importing any of them now raises ImportError
from pathlib import Path
from support.offline import offline
from sam3fn.translate import Translator
with offline() as guard:
    translator = Translator(argos_model=Path({str(tiny_argos_model)!r}), argos_home=Path({str(argos_home)!r}))
    print(translator.translate("会唱歌的茶壶").english)
print(guard.attempts, "argostranslate.translate" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["singing teapot", "[] False"]


def test_argostranslates_own_translate_would_go_online(argos_translator):
    """Control: the trap the Argos backend avoids is real, and the guard catches it."""
    argos_translator.warm_up()
    import argostranslate.translate

    with offline() as guard, pytest.raises(OfflineViolation):
        argostranslate.translate.translate("蓝莓飞船", "zh", "en")  # stanza fetches resources.json
    assert any("getaddrinfo" in attempt for attempt in guard.attempts)
