"""The page's Traditional Chinese text is its Simplified text in Traditional characters (OpenCC s2tw), so
Taiwan and Hong Kong readers get the same interface, word for word, and it cannot fall out of step."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import opencc

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
# Each script button names the other script in that script, so it is not a conversion.
OWN_WORDS = {"script", "scriptLabel"}


def page_strings() -> dict[str, dict[str, str]]:
    code = f'import {{ STRINGS }} from "{(FRONTEND / "js" / "i18n.js").as_uri()}"; console.log(JSON.stringify(STRINGS));'
    out = subprocess.run(["node", "--input-type=module", "-e", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_traditional_text_is_the_simplified_text_converted_by_opencc():
    strings, converter = page_strings(), opencc.OpenCC("s2tw")
    expected = {key: converter.convert(text) for key, text in strings["zh"].items() if key not in OWN_WORDS}
    actual = {key: text for key, text in strings["zh-Hant"].items() if key not in OWN_WORDS}
    assert actual == expected, "regenerate frontend/js/i18n.js's zh-Hant table from zh with OpenCC s2tw"


def test_each_script_button_names_the_other_script_in_its_own_characters():
    strings, to_traditional = page_strings(), opencc.OpenCC("s2t")
    assert strings["zh"]["script"] == "繁體" and to_traditional.convert(strings["zh"]["scriptLabel"]) == strings["zh"]["scriptLabel"]
    assert strings["zh-Hant"]["script"] == "简体" and strings["zh-Hant"]["scriptLabel"] == "切换到简体中文"
