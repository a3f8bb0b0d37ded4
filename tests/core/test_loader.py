"""The loader picks the tokenizer AutoTokenizer would, without importing AutoTokenizer's registry."""

from __future__ import annotations

import json
import shutil

import pytest

from sam3fn.core.loader import load_tokenizer

PROMPTS = ["dog", "Red  Car", "traffic light ", "café au lait", "狗", "", "a " * 40 + "cup"]


@pytest.mark.parametrize("named", ["CLIPTokenizer", "CLIPTokenizerFast", None, "PreTrainedTokenizerFast"])
def test_the_tokenizer_is_the_one_auto_tokenizer_loads(tiny_model_dir, tmp_path, named):
    from transformers import AutoTokenizer

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    config = json.loads((model / "tokenizer_config.json").read_text())
    config.pop("tokenizer_class")
    if named:
        config["tokenizer_class"] = named
    (model / "tokenizer_config.json").write_text(json.dumps(config))

    ours, auto = load_tokenizer(model), AutoTokenizer.from_pretrained(model, local_files_only=True)
    assert type(ours) is type(auto)
    # The segmenter's two calls: full lengths (truncation warnings), then padded and truncated ids.
    assert ours(PROMPTS)["input_ids"] == auto(PROMPTS)["input_ids"]
    padded = {"padding": "max_length", "max_length": 32, "truncation": True}
    assert ours(PROMPTS, **padded).data == auto(PROMPTS, **padded).data
