"""Request and response bodies (msgspec), as the OpenAPI document shows them."""

from __future__ import annotations

from typing import Literal

import msgspec

from ..core.results import ImageInfo, Instance, ModelInfo, PromptResult, Rle, Timings

Format = Literal["rle", "polygons", "png"]
CANDIDATE_FLOOR_DOC = ("also return, per prompt, every query scoring at least this (up to 100) with its mask "
                       "probabilities at the decoder's resolution, so a viewer can move the thresholds without "
                       "another inference")


class ImageSource(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of: `base64` (the image file's bytes, base64) or `s3` (s3://bucket/key)."""

    base64: str | None = None
    s3: str | None = None


class SegmentRequest(msgspec.Struct, forbid_unknown_fields=True):
    image: ImageSource
    prompts: list[str]
    threshold: float = 0.5
    mask_threshold: float = 0.5
    refine: float = 0.0
    non_overlapping: bool = False
    formats: list[Format] = msgspec.field(default_factory=lambda: ["rle"])
    return_overlay: bool = False
    candidate_floor: float | None = None


class SegmentResponse(msgspec.Struct):
    request_id: str
    results: list[PromptResult]
    timings: Timings
    model: ModelInfo
    image: ImageInfo
    threshold: float
    mask_threshold: float
    refine: float
    warnings: list[str]
    candidate_floor: float | None = None
    overlay_png_base64: str | None = None
    instance_pngs: list[list[str]] | None = None  # per prompt, per instance: base64 PNG, with formats=["png"]


class PredictRequest(msgspec.Struct):
    """The request existing SAM 3 deployments document: one prompt, an image path, two controls."""

    prompt: str
    image_path: str
    threshold: float = 0.5
    refine_edges: bool = False


class PredictResponse(msgspec.Struct):
    request_id: str
    prompt: str
    model_prompt: str
    translation: str
    mask: Rle  # the union of all instance masks
    instances: list[Instance]
    scores: list[float]
    boxes: list[list[float]]
    timings: Timings
    model: ModelInfo
    warnings: list[str]


class EventOutcome(msgspec.Struct):
    bucket: str
    key: str
    status: str
    reason: str = ""
    result_key: str | None = None


class EventsResponse(msgspec.Struct):
    request_id: str
    outcomes: list[EventOutcome]


class SweepResponse(EventsResponse):
    remaining: int = 0  # inputs still without a result, beyond this call's `limit`: left for the next sweep


class PromptPart(msgspec.Struct):
    text: str  # one thing a joined prompt named, as it was written there: a prompt of its own
    english: str  # what the model would read for it


class JoinedPrompt(msgspec.Struct):
    prompt: str  # as it was sent
    parts: list[PromptPart]  # the prompts to send instead, in order


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    request_id: str
    joined: list[JoinedPrompt] | None = None  # several_things only: every joined prompt of the request, in order


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


class Health(msgspec.Struct):
    status: str


class Info(msgspec.Struct):
    model: str
    random_weights: bool
    backend: str
    precision: str
    device: str
    cuda_graphs: bool  # whether the engine replays its text and decoder stages from CUDA graphs
    model_dir: str
    versions: dict[str, str]
    translation: dict
    storage: dict
    limits: dict
    notice: str | None = None
