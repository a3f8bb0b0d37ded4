"""Shared fixtures: the tiny random SAM 3 (generated once per session) and test images."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from sam3fn.core.tiny_model import write_tiny_model
from support.images import encode, scene_pixels
from support.tiny_argos import build_tiny_argos_model


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


# argostranslate fixes its data directories for the whole process when first imported, so every test
# that uses Argos (translation and web tests alike) shares the one session-wide `argos_home`.
# Kept across sessions (keyed by a hash of everything that shapes the model): training takes seconds.
TINY_ARGOS_CACHE = Path(tempfile.gettempdir()) / "sam3fn-tests" / "tiny-argos"


@pytest.fixture(scope="session")
def tiny_argos_model() -> Path:
    return build_tiny_argos_model(TINY_ARGOS_CACHE)


@pytest.fixture(scope="session")
def argos_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("argos-home")
