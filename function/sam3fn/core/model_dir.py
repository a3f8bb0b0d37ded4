"""Where the weights live and what a usable model directory must contain.

The layout is the Hugging Face layout of `facebook/sam3`. Nothing here ever resolves a hub id: the real
weights are gated, so a person fetches them once with their own token (see FETCH_HINT) and points
sam3fn at the directory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelDirError

DEFAULT_MODEL_DIR = Path("models/sam3")

# Written by `sam3fn tiny-model`; its presence labels every output of that directory "random weights".
RANDOM_WEIGHTS_MARKER = "sam3fn_random_weights.json"
FULL_SIZE = "full-size"  # the marker's architecture for the real SAM 3 shape

FETCH_HINT = (
    "fetch the gated weights once with your own Hugging Face token: "
    "`pip install huggingface_hub && hf auth login && "
    "hf download facebook/sam3 --local-dir models/sam3` "
    "(or run `sam3fn tiny-model DIR` for random test weights)"
)


@dataclass(frozen=True)
class ModelDir:
    """A checked model directory. `random_weights` is True for generated test models."""

    path: Path
    random_weights: bool
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} (random weights)" if self.random_weights else self.name


def _weights_present(path: Path) -> str | None:
    """Return the name of a missing weights file, or None when the weights are complete."""
    if (path / "model.safetensors").is_file():
        return None
    index = path / "model.safetensors.index.json"
    if not index.is_file():
        return "model.safetensors"
    try:
        shards = set(json.loads(index.read_text())["weight_map"].values())
    except (ValueError, KeyError) as exc:
        raise ModelDirError(f"{index} is not a valid safetensors index ({exc}); {FETCH_HINT}") from exc
    for shard in sorted(shards):
        if not (path / shard).is_file():
            return shard
    return None


def check_model_dir(path: Path | str) -> ModelDir:
    """Validate `path` as a SAM 3 model directory, naming the first missing file if incomplete."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ModelDirError(f"model directory {path} is a file, not a directory; {FETCH_HINT}")
    if not path.is_dir():
        raise ModelDirError(f"model directory {path} does not exist; {FETCH_HINT}")
    missing: list[str] = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    weights = _weights_present(path)
    if weights:
        missing.append(weights)
    if not (path / "tokenizer.json").is_file() and not (
        (path / "vocab.json").is_file() and (path / "merges.txt").is_file()
    ):
        missing.append("tokenizer.json (or vocab.json + merges.txt)")
    if missing:
        raise ModelDirError(f"model directory {path} is incomplete: missing {', '.join(missing)}; {FETCH_HINT}")
    try:
        model_type = json.loads((path / "config.json").read_text()).get("model_type")
    except ValueError as exc:
        raise ModelDirError(f"{path / 'config.json'} is not valid JSON ({exc}); {FETCH_HINT}") from exc
    if model_type not in ("sam3", "sam3_video"):
        raise ModelDirError(f"{path} holds a {model_type!r} model, not SAM 3; {FETCH_HINT}")
    marker = path / RANDOM_WEIGHTS_MARKER
    random_weights = marker.is_file()
    name = _random_model_name(marker) if random_weights else "facebook/sam3"
    return ModelDir(path=path, random_weights=random_weights, name=name)


def _random_model_name(marker: Path) -> str:
    """A generated model's name says its architecture, so a full-size benchmark model is never shown as
    the tiny one; markers written before the architecture was recorded were all tiny models."""
    try:
        architecture = json.loads(marker.read_text()).get("architecture")
    except (OSError, ValueError, AttributeError):
        architecture = None
    return "sam3-random-full-size" if architecture == FULL_SIZE else "sam3-tiny-random"


# The identity check samples the weights instead of hashing them: the real SAM 3's 3.4 GB would add seconds
# to every cold start, while 64 blocks spread over each file (4 MiB read) tell apart another checkpoint,
# another random seed or the tiny model in milliseconds. A fine-tune that changed only tensors between the
# samples would pass; rebuilding engines when the weights change stays the rule.
_SAMPLES, _SAMPLE_BYTES = 64, 64 << 10


def weights_fingerprint(path: Path | str) -> str:
    """A sha256 over config.json, the random-weights marker and a sample of every weights file (name, size,
    safetensors header and 64 evenly spread blocks): what engine_build records and the loader compares, so
    an engine compiled from other weights is refused instead of served under this directory's name."""
    path = Path(path)
    digest = hashlib.sha256()
    for name in ("config.json", RANDOM_WEIGHTS_MARKER):
        file = path / name
        digest.update(name.encode() + b"\0" + (file.read_bytes() if file.is_file() else b"-") + b"\0")
    for file in sorted(path.glob("*.safetensors")):
        size = file.stat().st_size
        digest.update(f"{file.name}\0{size}\0".encode())
        with open(file, "rb") as f:
            header_len = int.from_bytes(f.read(8), "little")
            digest.update(f.read(min(header_len, 1 << 24)))  # tensor names, dtypes, shapes and offsets
            for i in range(_SAMPLES):
                f.seek(i * max(size - _SAMPLE_BYTES, 0) // (_SAMPLES - 1))
                digest.update(f.read(_SAMPLE_BYTES))
    return digest.hexdigest()


def read_processor_settings(path: Path) -> dict:
    """Image-processor settings from processor_config.json / preprocessor_config.json, or {} if neither."""
    for name, key in (("processor_config.json", "image_processor"), ("preprocessor_config.json", None)):
        file = path / name
        if file.is_file():
            data = json.loads(file.read_text())
            section = data.get(key) if key else data
            if isinstance(section, dict):
                return section
    return {}
