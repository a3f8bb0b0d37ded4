"""Load a checked model directory onto a device in a precision, with the hub switched off."""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import ModelDirError
from .model_dir import ModelDir, check_model_dir, read_processor_settings, weights_fingerprint
from .preprocess import PreprocessSpec

log = logging.getLogger(__name__)

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class LoadedModel:
    engine: object  # EagerEngine or an ahead-of-time engine with the same three calls
    tokenizer: object
    spec: PreprocessSpec
    model_dir: ModelDir
    device: torch.device
    precision: str


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelDirError(f"device {device!r} was asked for but CUDA is not available on this machine")
    return torch.device(device)


def resolve_precision(precision: str, device: torch.device) -> str:
    if precision == "auto":
        # fp16 is the fastest accurate choice on NVIDIA GPUs; CPUs run fp32.
        return "fp16" if device.type == "cuda" else "fp32"
    if precision not in PRECISIONS:
        raise ModelDirError(f"unknown precision {precision!r}; choose one of auto, {', '.join(PRECISIONS)}")
    return precision


BACKENDS = ("auto", "tensorrt", "aoti", "eager")


def _check_engines(backend: str, engine_dir: Path | None, dev: torch.device, prec: str,
                   model_dir: Path) -> list[tuple]:
    """Each candidate backend in the order tried, with its engine directory and its checked manifest, or
    the EngineUnusable that says why it cannot be used. Reads and hashes the packages: see load_model."""
    if backend == "eager":
        return []
    if engine_dir is None:
        if backend != "auto":  # asked for by name: say why it is not what runs
            log.warning("backend %s not used, falling back: no engine directory is set (SAM3FN_ENGINE_DIR)", backend)
        return []
    from .aot_engine import EngineUnusable, check_manifest

    candidates = ("tensorrt", "aoti") if backend == "auto" else (backend,)
    if backend == "auto":  # auto tries what was built (an image ships one backend), or says there is none
        built = tuple(c for c in candidates if (Path(engine_dir) / c).exists())
        if not built:
            log.warning("no engines in %s (it has no tensorrt/ or aoti/ directory): the eager backend will run",
                        engine_dir)
            return []
        candidates = built
    weights = weights_fingerprint(model_dir)
    checked = []
    for candidate in candidates:
        path = Path(engine_dir) / candidate
        try:
            checked.append((candidate, path, check_manifest(path, candidate, dev, prec, weights=weights)))
        except (EngineUnusable, RuntimeError) as exc:  # RuntimeError: e.g. CUDA refusing the capability query
            checked.append((candidate, path, exc))
    return checked


def _aot_engine(checked: list[tuple], dev: torch.device, prec: str, cuda_graphs: bool):
    """The first checked engine that loads, or None (each refusal logged with its reason)."""
    for candidate, path, manifest in checked:
        if isinstance(manifest, Exception):
            log.warning("backend %s not used, falling back: %s", candidate, manifest)
            continue
        try:
            if candidate == "tensorrt":
                from .trt_engine import TensorRTEngine  # loading its stages imports torch_tensorrt

                return TensorRTEngine(path, dev, PRECISIONS[prec], manifest, cuda_graphs)
            from .aot_engine import AotiEngine

            return AotiEngine(path, dev, PRECISIONS[prec], manifest, cuda_graphs)
        except (ImportError, RuntimeError) as exc:  # torch_tensorrt missing, a package the runtime rejects
            log.warning("backend %s not used, falling back: %s", candidate, exc)
    return None


# The class AutoTokenizer resolves for a sam3 model directory whose tokenizer_config.json names one of
# these (None: names none): transformers maps the sam3 model type to CLIPTokenizer, and drops "Fast".
CLIP_TOKENIZER_NAMES = (None, "CLIPTokenizer", "CLIPTokenizerFast")


def load_tokenizer(path: Path):
    """SAM 3's tokenizer: CLIPTokenizer where AutoTokenizer would pick it, else AutoTokenizer itself.

    Importing AutoTokenizer imports transformers' registry of every model's classes, Dynamo included:
    about 1 s of a compiled engine's cold start, which otherwise never imports the modeling code.
    """
    config_file = Path(path) / "tokenizer_config.json"
    try:
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    except ValueError as exc:
        raise ModelDirError(f"{config_file} is not valid JSON ({exc})") from exc
    if config.get("tokenizer_class") in CLIP_TOKENIZER_NAMES and "auto_map" not in config:
        from transformers import CLIPTokenizer as tokenizer_class
    else:
        from transformers import AutoTokenizer as tokenizer_class
    return tokenizer_class.from_pretrained(path, local_files_only=True)


def load_model(model_dir: Path | str, device: str = "auto", precision: str = "auto", backend: str = "auto",
               engine_dir: Path | None = None, cuda_graphs: bool = True) -> LoadedModel:
    """Check `model_dir`, then load weights, tokenizer and preprocessing settings from it, offline.

    `backend` auto tries TensorRT, then AOTInductor engines under `engine_dir`, then eager transformers.
    `cuda_graphs`: compiled engines on a GPU replay their text and decoder stages from CUDA graphs.
    """
    if backend not in BACKENDS:
        raise ModelDirError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    # Belt and braces: even a mistyped path must never turn into a hub lookup.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    checked = check_model_dir(model_dir)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    try:
        # Checking an engine hashes its packages, gigabytes at full size, with the GIL released; loading
        # the tokenizer imports transformers, about 1 s holding it. Side by side they cost the longer one.
        with ThreadPoolExecutor(1, thread_name_prefix="engine-check") as pool:
            engines = pool.submit(_check_engines, backend, engine_dir, dev, prec, checked.path)
            tokenizer = load_tokenizer(checked.path)
            engine = _aot_engine(engines.result(), dev, prec, cuda_graphs)
        if engine is None:  # the weights are baked into compiled engines; load them only for eager
            # Imported here: the modeling code takes seconds to import, which a compiled engine's cold start skips.
            from transformers import Sam3Model

            from .engine import EagerEngine

            model = Sam3Model.from_pretrained(checked.path, dtype=PRECISIONS[prec], local_files_only=True)
            engine = EagerEngine(model.to(dev).eval(), dev, PRECISIONS[prec])
            image_size = model.config.vision_config.image_size
        else:
            image_size = engine.image_size  # the size its image stage was compiled for
    except (OSError, ValueError) as exc:
        raise ModelDirError(f"could not load the model from {checked.path}: {exc}") from exc
    spec = PreprocessSpec.from_settings(read_processor_settings(checked.path), image_size)
    log.info("loaded %s on %s in %s with the %s backend", checked.label, dev, prec, engine.backend)
    return LoadedModel(engine=engine, tokenizer=tokenizer, spec=spec, model_dir=checked, device=dev, precision=prec)
