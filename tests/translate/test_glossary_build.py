"""The packaged glossary and the script that builds it from the RAM tag lists."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

from sam3fn.translate import contains_cjk
from sam3fn.translate import build_glossary as builder
from sam3fn.translate.glossary import Glossary

RAM_DIR = Path(os.environ.get("SAM3FN_RAM_TAGS", "/work/shared/data/ram_tags"))


def packaged_text() -> str:
    return resources.files("sam3fn.translate").joinpath("data/glossary_zh_en.tsv").read_text(encoding="utf-8")


def write_ram(tmp_path: Path, pairs: list[tuple[str, str]]) -> Path:
    (tmp_path / "ram_tag_list_chinese.txt").write_text("".join(f"{zh}\n" for zh, _ in pairs), encoding="utf-8")
    (tmp_path / "ram_tag_list.txt").write_text("".join(f"{en}\n" for _, en in pairs), encoding="utf-8")
    return tmp_path


def test_packaged_glossary_cites_its_source_and_license():
    header = "".join(line for line in packaged_text().splitlines(True) if line.startswith("#"))
    assert "xinyu1205/recognize-anything" in header
    assert "Apache License 2.0" in header


def test_packaged_glossary_is_clean():
    glossary = Glossary.load()
    assert len(glossary) > 4000
    for chinese, english in glossary.entries.items():
        assert contains_cjk(chinese), chinese
        assert chinese == chinese.strip() and english == " ".join(english.split()), (chinese, english)
        assert english == english.lower() and not contains_cjk(english), (chinese, english)
    for line in packaged_text().splitlines():
        assert line.startswith("#") or line == line.rstrip(), repr(line)


def test_overrides_resolve_loose_ram_mappings():
    glossary = Glossary.load()
    # RAM: 汽车 -> "motor vehicle", 帽子 -> cap | hat, 牛 -> bull | cattle, 包 -> package | wrap
    expected = {"汽车": "car", "车": "car", "狗": "dog", "人": "person", "帽子": "hat", "牛": "cow", "包": "bag"}
    assert {key: glossary.get(key) for key in expected} == expected
    assert glossary.get("帮助") is None  # dropped: an abstract tag ("aid")


@pytest.mark.skipif(not (RAM_DIR / "ram_tag_list.txt").exists(), reason=f"RAM tag lists not at {RAM_DIR}")
def test_build_script_reproduces_the_packaged_glossary(tmp_path):
    out = tmp_path / "glossary.tsv"
    assert builder.main(["--ram-dir", str(RAM_DIR), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == packaged_text()


def test_build_cleans_keys_and_picks_overrides_for_one_to_many_tags(tmp_path):
    pairs = builder.read_ram_pairs(
        write_ram(
            tmp_path,
            [
                ("帽子 ", "cap"), ("帽子", "hat"),  # one-to-many: OVERRIDES says hat
                ("乌龟", "tortoise"),  # loose single mapping: OVERRIDES says turtle
                ("水獭", "otter"), ("水獭", "sea otter"),  # one-to-many, no override: first wins
                ("胡同/球道", "alley"),  # after the slash: another sense of the English word
                ("（花草的）茎", "stem"),  # a parenthesised note
                ("DVD", "DVD"),  # no Chinese: English prompts are never translated
                ("帮助", "aid"),  # DROPPED
                ("CD播放器", "CD Player"),
            ],
        )  # fmt: skip
    )
    glossary = builder.build(pairs)
    assert {k: glossary[k] for k in ("帽子", "乌龟", "水獭", "胡同", "茎", "cd播放器")} == {
        "帽子": "hat", "乌龟": "turtle", "水獭": "otter", "胡同": "alley", "茎": "stem", "cd播放器": "cd player",
    }  # fmt: skip
    assert not {"球道", "胡同/球道", "DVD", "dvd", "帮助"} & glossary.keys()


def test_build_refuses_misaligned_lists(tmp_path):
    write_ram(tmp_path, [("狗", "dog"), ("猫", "cat")])
    (tmp_path / "ram_tag_list.txt").write_text("dog\n", encoding="utf-8")
    with pytest.raises(ValueError, match="differ in length: 2 Chinese vs 1 English"):
        builder.read_ram_pairs(tmp_path)


def test_build_refuses_a_dropped_key_missing_from_the_lists(tmp_path):
    with pytest.raises(ValueError, match="DROPPED names keys that are not in the RAM lists"):
        builder.check_dropped(builder.read_ram_pairs(write_ram(tmp_path, [("狗", "dog")])))


def test_the_readme_states_the_packaged_glossary_size():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"a glossary of {len(Glossary.load()):,} visual-object words" in readme
