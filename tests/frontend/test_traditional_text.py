"""The page's Traditional Chinese text is its Simplified text converted by OpenCC with Taiwan's words (s2twp:
伺服器 not 服務器, 檔案 not 文件, 載入 not 加載, 設定 not 設置, which Hong Kong's computing vocabulary shares),
then the few words of an annotation tool OpenCC gets wrong or leaves (TAIWAN_WORDS). So Taiwan and Hong Kong
readers get the same interface in their own words, and it cannot fall out of step with the Simplified one.

`python tests/frontend/test_traditional_text.py` prints the zh-Hant table to paste into frontend/js/i18n.js.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import opencc

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
# Each script button names the other script in that script, so it is not a conversion.
OWN_WORDS = {"script", "scriptLabel"}
# After s2twp, in this order. OpenCC's phrase table takes 实例 in its programming sense (例項, an object
# instance), where Taiwan's papers and tools write 實例分割 for instance segmentation; it leaves mainland
# words it has no entry for: 掩码 (Taiwan's tools say 遮罩), 噪声, 回车, 滑块, 返回 a result, 文本, 检测,
# 当前, 短语, 置信度 (a detection score is a 信心分數 there); and Taiwan quotes with corner brackets.
TAIWAN_WORDS = {
    "例項": "實例", "掩碼": "遮罩", "噪聲": "雜訊", "Ctrl+回車": "Ctrl+Enter ", "回車": "按 Enter ", "滑塊": "滑桿",
    "返回": "回傳", "文本": "文字", "檢測": "偵測", "當前": "目前", "短語": "片語", "置信度": "信心分數", "“": "「", "”": "」",
}


def page_strings() -> dict[str, dict[str, str]]:
    code = f'import {{ STRINGS }} from "{(FRONTEND / "js" / "i18n.js").as_uri()}"; console.log(JSON.stringify(STRINGS));'
    out = subprocess.run(["node", "--input-type=module", "-e", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def expected_table(strings: dict[str, dict[str, str]]) -> dict[str, str]:
    """The zh table in Taiwan's words: OpenCC s2twp, then TAIWAN_WORDS; the script buttons as they are."""
    converter = opencc.OpenCC("s2twp")

    def in_taiwan_words(simplified: str) -> str:
        text = converter.convert(simplified)
        for mainland, taiwan in TAIWAN_WORDS.items():
            text = text.replace(mainland, taiwan)
        return text

    return {key: strings["zh-Hant"][key] if key in OWN_WORDS else in_taiwan_words(text)
            for key, text in strings["zh"].items()}


def test_traditional_text_is_the_simplified_text_in_taiwan_words():
    strings = page_strings()
    assert strings["zh-Hant"] == expected_table(strings), "regenerate: python tests/frontend/test_traditional_text.py"


def test_taiwan_words_replace_the_mainland_ones_a_reader_there_would_stumble_on():
    table = " ".join(page_strings()["zh-Hant"].values())
    for mainland in ("服務器", "文件", "加載", "設置", "運行", "例項", "掩碼", "密鑰", "緩存", "“"):
        assert mainland not in table, mainland
    assert "實例" in table and "伺服器" in table and "「伺服器設定」" in table


def test_each_script_button_names_the_other_script_in_its_own_characters():
    strings, to_traditional = page_strings(), opencc.OpenCC("s2t")
    assert strings["zh"]["script"] == "繁體" and to_traditional.convert(strings["zh"]["scriptLabel"]) == strings["zh"]["scriptLabel"]
    assert strings["zh-Hant"]["script"] == "简体" and strings["zh-Hant"]["scriptLabel"] == "切换到简体中文"


if __name__ == "__main__":
    for key, text in expected_table(page_strings()).items():
        print(f"    {key}: {json.dumps(text, ensure_ascii=False)},")
