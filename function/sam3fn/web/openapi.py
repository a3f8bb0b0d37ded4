"""OpenAPI pieces Litestar cannot infer: /v1/segment takes JSON *or* multipart on one path, /api/predict's
JSON and /v1/events's payloads are decoded by the routes themselves (for their error codes), and /v1/preview
takes the image file itself as the body and answers a PNG."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, RequestBody, Schema

from ..core.segmenter import UNIT_OPTIONS
from .schemas import CANDIDATE_FLOOR_DOC, PredictRequest, SegmentRequest


def inline_schema(struct) -> dict:
    """msgspec's JSON schema of `struct` with every $ref replaced by its definition (no components needed)."""
    schema = msgspec.json.schema(struct)
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def with_bounds(schema: dict) -> dict:
    """`schema` (a request's JSON schema) with the ranges the server enforces: options in [0, 1], and at
    least one prompt."""
    properties = schema["properties"]
    for name in UNIT_OPTIONS:  # checked by SegmentOptions, not msgspec: the schema would not say so
        if name in properties:
            for variant in properties[name].get("anyOf", [properties[name]]):
                if variant.get("type") == "number":
                    variant.update(minimum=0, maximum=1)
    if "prompts" in properties:
        properties["prompts"]["minItems"] = 1
    return schema


_MULTIPART = Schema(
    type=OpenAPIType.OBJECT,
    required=["image", "prompts"],
    properties={
        "image": Schema(type=OpenAPIType.STRING, format="binary", description="the image file"),
        "prompts": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING), min_items=1,
                          description="repeat the field once per prompt"),
        "threshold": Schema(type=OpenAPIType.NUMBER, default=0.5, minimum=0, maximum=1),
        "mask_threshold": Schema(type=OpenAPIType.NUMBER, default=0.5, minimum=0, maximum=1),
        "refine": Schema(type=OpenAPIType.NUMBER, default=0.0, minimum=0, maximum=1),
        "non_overlapping": Schema(type=OpenAPIType.BOOLEAN, default=False),
        "formats": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING, enum=["rle", "polygons", "png"])),
        "return_overlay": Schema(type=OpenAPIType.BOOLEAN, default=False),
        "candidate_floor": Schema(type=OpenAPIType.NUMBER, description=CANDIDATE_FLOOR_DOC, minimum=0, maximum=1),
    },
)


@dataclass
class SegmentOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="JSON with an inline base64 or s3:// image, or a multipart upload (the web page's path)",
            content={
                "application/json": OpenAPIMediaType(schema=with_bounds(inline_schema(SegmentRequest))),
                "multipart/form-data": OpenAPIMediaType(schema=_MULTIPART),
            },
        )


@dataclass
class PredictOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True, description="one prompt and the image's path (s3:// or under the image root)",
            content={"application/json": OpenAPIMediaType(schema=with_bounds(inline_schema(PredictRequest)))},
        )


@dataclass
class PreviewOperation(Operation):
    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format="binary")
        self.request_body = RequestBody(
            required=True,
            description="the image file's bytes as they are (PNG, JPEG, WebP, TIFF, BMP, ...); any content type",
            content={"application/octet-stream": OpenAPIMediaType(schema=binary)},
        )
        # Litestar shows the PNG answer as a plain string, which client generators decode as text.
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content and "image/png" in ok.content:
            ok.content["image/png"] = OpenAPIMediaType(schema=binary)


@dataclass
class EventsOperation(Operation):
    """The route reads its body itself (events.parse_events), so Litestar would show none: a generated client
    would then have no way to send one."""

    def __post_init__(self) -> None:
        payload = OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT))
        self.request_body = RequestBody(
            required=True,
            description="an object-storage notification as its sender posts it: AWS S3 `{\"Records\": [...]}` "
                        "(directly or inside an SNS message), a MinIO webhook, a CloudEvent (structured, or binary "
                        "with `ce-*` headers and the event data as the body) or a SeaweedFS filer webhook",
            content={"application/json": payload, "application/cloudevents+json": payload},
        )
