"""A model directory is checked before loading, and an incomplete one says what is missing and how to fix it."""

from __future__ import annotations

import json
import shutil

import pytest

from sam3fn.core.errors import ModelDirError
from sam3fn.core.model_dir import RANDOM_WEIGHTS_MARKER, check_model_dir, weights_fingerprint
from sam3fn.core.tiny_model import random_weights_marker


def test_tiny_model_is_a_complete_directory_marked_random(tiny_model_dir):
    checked = check_model_dir(tiny_model_dir)
    assert checked.random_weights and "random weights" in checked.label


def test_a_random_model_is_named_for_its_architecture(tiny_model_dir, tmp_path):
    assert check_model_dir(tiny_model_dir).name == "sam3-tiny-random"
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / RANDOM_WEIGHTS_MARKER).write_text(json.dumps(random_weights_marker(0, full_size=True)))
    checked = check_model_dir(copy)
    assert checked.name == "sam3-random-full-size" and checked.label.endswith("(random weights)")


def test_missing_directory_says_how_to_get_weights(tmp_path):
    with pytest.raises(ModelDirError) as info:
        check_model_dir(tmp_path / "nowhere")
    assert "does not exist" in info.value.message and "hf download facebook/sam3" in info.value.message



def test_a_file_given_as_the_model_directory_is_called_a_file(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not a model")
    with pytest.raises(ModelDirError) as info:
        check_model_dir(photo)
    assert "is a file, not a directory" in info.value.message

@pytest.mark.parametrize("removed", ["config.json", "model.safetensors", "tokenizer.json"])
def test_incomplete_directory_names_the_missing_file(tiny_model_dir, tmp_path, removed):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / removed).unlink()
    with pytest.raises(ModelDirError) as info:
        check_model_dir(copy)
    assert removed in info.value.message
    assert info.value.code == "model_unavailable"


def test_missing_shard_of_an_index_is_named(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "model.safetensors").rename(copy / "model-00001-of-00002.safetensors")
    (copy / "model.safetensors.index.json").write_text(
        '{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}'
    )
    with pytest.raises(ModelDirError) as info:
        check_model_dir(copy)
    assert "model-00002-of-00002.safetensors" in info.value.message


def test_a_different_model_is_refused(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(ModelDirError, match="not SAM 3"):
        check_model_dir(copy)


def test_weights_fingerprint_follows_the_bytes_not_the_place(tiny_model_dir, tmp_path):
    # The image build compiles engines from the weights and copies both into the runtime stage: a copy must
    # match, while another checkpoint of the same architecture must not.
    from sam3fn.core.tiny_model import write_tiny_model

    copy = shutil.copytree(tiny_model_dir, tmp_path / "copy")
    assert weights_fingerprint(copy) == weights_fingerprint(tiny_model_dir)
    assert weights_fingerprint(write_tiny_model(tmp_path / "seed1", seed=1)) != weights_fingerprint(tiny_model_dir)
