"""The one result type every producer builds and every consumer takes (JSON, storage, overlay, page).

Masks travel as COCO RLE (`Rle`), byte-identical to pycocotools. Boxes are pixel xyxy in the
original (EXIF-rotated) image. All timings are milliseconds.
"""

from __future__ import annotations

import msgspec


class Rle(msgspec.Struct, frozen=True):
    """COCO run-length encoding: `size` is [height, width], `counts` the compressed string."""

    size: list[int]
    counts: str


class Instance(msgspec.Struct, frozen=True):
    """One detected object. `box` = [x0, y0, x1, y1] pixels; `area` in pixels of the final mask.

    `polygons` (when asked for): one [x0, y0, x1, y1, ...] per connected part of the mask, along its outer
    pixel edges (pixel (x, y) covers [x, x + 1] x [y, y + 1]), which pycocotools redraws to exactly the part's
    pixels with its holes filled; a lone pixel or a 1-pixel line has one too. The RLE `mask` is the exact
    mask, holes included.
    """

    score: float
    box: list[float]
    area: int
    mask: Rle
    polygons: list[list[float]] | None = None


class ProbMap(msgspec.Struct, frozen=True):
    """A mask's probabilities at the decoder's own resolution (288 x 288 for a 1008 px input), for
    re-thresholding without the model: `png` is a base64 8-bit grayscale PNG, value v = probability
    v / 255, covering the whole image (stretch it to the image size with bilinear sampling)."""

    size: list[int]  # [height, width] of the map, not of the image
    png: str


class Candidate(msgspec.Struct, frozen=True):
    """A query scoring at least the request's candidate floor: what a viewer re-thresholds in place.

    `box` = [x0, y0, x1, y1] pixels of the original image.
    """

    score: float
    box: list[float]
    probs: ProbMap


class PromptResult(msgspec.Struct):
    """All instances for one prompt. `prompt` is as sent, `model_prompt` what the model received."""

    prompt: str
    model_prompt: str
    instances: list[Instance]
    translation: str = "none"  # how model_prompt was obtained: none | glossary | argos
    truncated: bool = False  # the prompt exceeded the text encoder's token limit and was cut
    candidates: list[Candidate] | None = None  # best first; only when the request set a candidate floor


class Timings(msgspec.Struct):
    """Per-stage wall time in ms. Cached stages report 0 and set the matching *_cached flag."""

    decode_image_ms: float = 0.0
    preprocess_ms: float = 0.0
    image_encode_ms: float = 0.0
    text_encode_ms: float = 0.0
    mask_decode_ms: float = 0.0
    postprocess_ms: float = 0.0
    total_ms: float = 0.0
    image_cached: bool = False
    text_cached: int = 0  # how many prompts' text features came from the cache


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    random_weights: bool
    backend: str
    device: str
    precision: str
    cuda_graphs: bool = False  # whether the engine replays its text and decoder stages from CUDA graphs


class ImageInfo(msgspec.Struct, frozen=True):
    width: int
    height: int
    sha256: str


class SegmentResult(msgspec.Struct):
    """Everything one request produced: per-prompt instances, the image, the model and the timings."""

    image: ImageInfo
    results: list[PromptResult]
    timings: Timings
    model: ModelInfo
    threshold: float
    mask_threshold: float
    refine: float
    warnings: list[str] = msgspec.field(default_factory=list)
    candidate_floor: float | None = None

    @property
    def instance_count(self) -> int:
        return sum(len(r.instances) for r in self.results)
