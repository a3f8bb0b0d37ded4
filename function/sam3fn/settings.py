"""One settings object, read from the environment once, failing fast with the offending key's name.

Every field is `SAM3FN_<FIELD>` in the environment (upper case), except `port`, which is plain `PORT`
as Knative and Cloud Run set it. S3 credentials are *not* here: boto3 reads them the standard AWS way
(AWS_ACCESS_KEY_ID, AWS_PROFILE, instance roles, ...). The README's configuration table lists them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Container, Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args, get_origin, get_type_hints

import msgspec
from msgspec import Meta

from .core.images import DEFAULT_MAX_PIXELS
from .core.model_dir import DEFAULT_MODEL_DIR


class SettingsError(ValueError):
    """A setting has a value of the wrong type or out of range; the message names the variable."""


class Settings(msgspec.Struct, kw_only=True):
    # model
    model_dir: Path = DEFAULT_MODEL_DIR  # SAM 3 weights in the Hugging Face layout
    device: Annotated[str, Meta(pattern=r"^(auto|cpu|cuda(:[0-9]+)?)$")] = "auto"  # auto | cpu | cuda | cuda:N
    precision: Literal["auto", "fp32", "fp16", "bf16"] = "auto"
    backend: Literal["auto", "tensorrt", "aoti", "eager"] = "auto"
    engine_dir: Path | None = None  # ahead-of-time engines (built by engine_build)
    cuda_graphs: bool = True  # replay the engines' text and decoder stages from CUDA graphs on a GPU
    demo_model_dir: Path = Path(".cache/sam3fn/tiny-random")  # tiny random model when no weights exist
    require_weights: bool = False  # refuse to start without real weights instead of serving the demo model
    image_cache: Annotated[int, Meta(ge=0)] = 8  # images whose features stay cached
    text_cache: Annotated[int, Meta(ge=0)] = 1024  # prompts whose features stay cached
    # translation
    argos_model: Path | None = None  # a translate-zh_en .argosmodel file
    argos_home: Path = Path(".cache/sam3fn/argos")  # where that package is installed
    # server
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 7860  # 0 = any free port
    api_key: str | None = None  # bearer token for /api and /v1; none = open
    events_token: str | None = None  # bearer token for /v1/events; none = open
    cors_origins: list[str] = []  # empty = CORS off
    image_root: Path | None = None  # local paths /api/predict may read; none = local paths refused
    results_store: Literal["auto", "s3", "local"] = "auto"  # auto (s3 when s3_endpoint is set, else local) | s3 | local
    results_dir: Path = Path(".cache/sam3fn/results")  # the local store's directory
    frontend_dir: Path | None = None  # the static page; default: the repo's frontend/ folder
    s3_endpoint: str | None = None  # e.g. http://127.0.0.1:8333; none = AWS default / local store
    allowed_buckets: list[str] = []  # buckets requests and events may touch; empty = any
    input_prefix: str = "inputs/"  # bucket events only for keys under this prefix
    output_prefix: str = "results/"  # results are written here; events for it are ignored
    default_prompts: list[str] = msgspec.field(default_factory=lambda: ["object"])  # for event images with no x-amz-meta-prompts
    event_claim_ttl_s: Annotated[float, Meta(ge=0)] = 300.0  # how long a replica's claim on an event object holds; 0 = no claims
    max_body_bytes: Annotated[int, Meta(ge=1)] = 20_000_000
    max_pixels: Annotated[int, Meta(ge=1)] = DEFAULT_MAX_PIXELS
    max_prompts: Annotated[int, Meta(ge=1)] = 16
    queue_depth: Annotated[int, Meta(ge=0)] = 8  # requests waiting for the inference worker before 503
    log_level: str = "INFO"


_PLAIN_ENV = {"port": "PORT"}


def env_name(field: str) -> str:
    return _PLAIN_ENV.get(field, f"SAM3FN_{field.upper()}")


def _parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def load_settings(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings from `environ` (default os.environ), then `overrides` (CLI flags) on top."""
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field in Settings.__struct_fields__:
        value = environ.get(env_name(field))
        if value is None or value == "":
            continue
        kind = Settings.__annotations__[field]
        raw[field] = _parse_list(value) if "list[" in str(kind) else value
    flags = {k: v for k, v in overrides.items() if v is not None}
    raw.update(flags)
    try:
        settings = msgspec.convert(raw, Settings, strict=False, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise SettingsError(_name_the_key(str(exc), flags)) from None
    for field in ("api_key", "events_token"):
        token = getattr(settings, field)
        # An Authorization header carries ASCII: a token with other characters (or spaces) could never be
        # sent back, so every request would be refused. Say so at start instead.
        if token is not None and not _TOKEN.fullmatch(token):
            raise SettingsError(f"{env_name(field)}: a bearer token must be printable ASCII without spaces")
    return settings


_TOKEN = re.compile(r"[\x21-\x7e]+")


def _decode_path(kind, value):
    if kind is Path:
        return Path(str(value)).expanduser()
    raise NotImplementedError


def setting_choices(field: str) -> tuple[str, ...]:
    """The values a Literal-typed setting takes (empty for any other)."""
    kind = get_type_hints(Settings)[field]
    return get_args(kind) if get_origin(kind) is Literal else ()


def _name_the_key(message: str, flags: Container[str] = ()) -> str:
    # msgspec says "... - at `$.port`"; say which environment variable that is, and what it may be. A value
    # given as a flag is named by the flag (`--port 70000`), or the user looks for a variable never set.
    if "`$." in message:
        field = message.split("`$.")[1].split("`")[0].split("[")[0]
        name = f"--{field.replace('_', '-')}" if field in flags else env_name(field)
        if field == "device":  # rather than the pattern itself
            return f"{name}: expected auto, cpu, cuda or cuda:N"
        choices = setting_choices(field)
        hint = f"; choose one of {', '.join(choices)}" if choices else ""
        return f"{name}: {message.split(' - at ')[0]}{hint}"
    return message
