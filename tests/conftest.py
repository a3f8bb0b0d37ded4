"""Shared fixtures: the tiny random SAM 3 (generated once per session) and test images."""

from __future__ import annotations

from pathlib import Path

import pytest

from sam3fn.core.tiny_model import write_tiny_model
from support.images import encode, scene_pixels


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("models") / "sam3-tiny")


@pytest.fixture(scope="session")
def loaded_model(tiny_model_dir):
    from sam3fn.core.loader import load_model

    return load_model(tiny_model_dir, device="cpu", precision="fp32")


@pytest.fixture
def scene_png() -> bytes:
    return encode(scene_pixels())
