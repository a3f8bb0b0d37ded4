"""Object-storage event payloads -> `ObjectEvent`s, for the four dialects the function accepts.

- AWS S3 event notifications: `{"Records": [{"eventName": "ObjectCreated:Put", "s3": {...}}]}`, keys
  form-URL-encoded (space as '+'); also when wrapped in an SNS envelope, and the s3:TestEvent.
- MinIO webhook: the same records plus top-level `EventName` and `Key` ("bucket/key").
- CloudEvents 1.0, binary mode (`ce-*` headers, data as body) and structured mode
  (`application/cloudevents+json`), with S3, MinIO, EventBridge or GCS-style data.
- SeaweedFS filer webhook: a filer entry change under `/buckets/<bucket>/<key>`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from .core.errors import InputError
from .storage import valid_bucket_name

CREATED, REMOVED, OTHER = "created", "removed", "other"
SEAWEED_BUCKETS_ROOT = "/buckets/"


class EventFormatError(InputError):
    code = "invalid_event"


@dataclass(frozen=True)
class ObjectEvent:
    bucket: str
    key: str
    kind: str  # created | removed | other
    dialect: str
    etag: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Bucket and key come from the producer's JSON: one of another type (a number, a list, null), or a
        # bucket name no store accepts, is a malformed event, refused with the whole delivery before any of
        # its records is worked on, rather than failing later inside a string or storage call.
        if not isinstance(self.bucket, str) or not valid_bucket_name(self.bucket) or not isinstance(self.key, str):
            raise EventFormatError(f"the event names no object (bucket {self.bucket!r}, key {self.key!r})")


def _kind(name: str) -> str:
    lowered = name.lower()
    if "objectcreated" in lowered or "object created" in lowered or "finalize" in lowered or lowered == "create":
        return CREATED
    if "objectremoved" in lowered or "deleted" in lowered or "delete" in lowered:
        return REMOVED
    return OTHER


def _user_metadata(raw: Mapping | None) -> dict[str, str]:
    out = {}
    for k, v in (raw or {}).items():
        name = k.lower()
        out[name[len("x-amz-meta-"):] if name.startswith("x-amz-meta-") else name] = str(v)
    return out


def _from_s3_records(records: list, dialect: str) -> list[ObjectEvent]:
    events = []
    for record in records:
        try:
            s3 = record["s3"]
            bucket, obj = s3["bucket"]["name"], s3["object"]
            key = unquote_plus(obj["key"])
        except (KeyError, TypeError) as exc:
            raise EventFormatError(f"an S3 event record lacks {exc}") from None
        events.append(ObjectEvent(bucket=bucket, key=key, kind=_kind(record.get("eventName", "")), dialect=dialect,
                                  etag=obj.get("eTag") or obj.get("etag"), metadata=_user_metadata(obj.get("userMetadata"))))
    return events


def _from_seaweed(body: dict) -> list[ObjectEvent]:
    """`{"event_type", "key": "/buckets/<bucket>/<key>" (not URL-encoded), "message": {new_entry, old_entry}}`."""
    message = body.get("message") or {}
    new, old = message.get("new_entry"), message.get("old_entry")
    entry = new or old or {}
    path = body.get("key") or ""
    if entry.get("is_directory") or not path.startswith(SEAWEED_BUCKETS_ROOT):
        return []  # folders, and filer files outside the S3 buckets root, are not objects
    bucket, _, key = path[len(SEAWEED_BUCKETS_ROOT):].partition("/")
    if not key or key.startswith(".uploads/"):
        return []  # multipart parts in flight
    event_type = body.get("event_type") or ("create" if new and not old else "update" if new else "delete")
    kind = CREATED if event_type in ("create", "update") else REMOVED if event_type == "delete" else OTHER
    extended = {k: _b64_text(v) for k, v in (entry.get("extended") or {}).items()}
    etag = extended.pop("Seaweed-X-Amz-ETag", None)
    md5 = (entry.get("attributes") or {}).get("md5")
    if etag is None and md5:
        etag = base64.b64decode(md5).hex()
    meta = {k: v for k, v in extended.items() if k.lower().startswith("x-amz-meta-")}
    return [ObjectEvent(bucket=bucket, key=key, kind=kind, dialect="seaweedfs", etag=etag, metadata=_user_metadata(meta))]


def _b64_text(value) -> str:
    """SeaweedFS JSON-encodes the filer's `extended` bytes values as base64."""
    try:
        return base64.b64decode(value).decode("utf-8")
    except (ValueError, TypeError):
        return str(value)


def _from_data(data, dialect: str) -> list[ObjectEvent]:
    """The event payload inside an envelope (CloudEvents data, SNS message)."""
    if isinstance(data, (str, bytes)):  # bytes: decoded from a structured CloudEvent's data_base64
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise EventFormatError("the event data is not JSON") from None
    if not isinstance(data, dict):
        raise EventFormatError("the event data is not a JSON object")
    if data.get("Event") == "s3:TestEvent":  # S3 sends it once when a notification is set up: no object
        return []
    if "Records" in data:
        return _from_s3_records(data["Records"] or [], dialect)
    if "s3" in data:
        return _from_s3_records([data], dialect)
    if isinstance(data.get("detail"), dict) and "object" in data["detail"]:  # EventBridge
        detail = data["detail"]
        return [ObjectEvent(bucket=detail["bucket"]["name"], key=detail["object"]["key"],
                            kind=_kind(data.get("detail-type", "Object Created")), dialect=dialect,
                            etag=detail["object"].get("etag"))]
    if "bucket" in data and "name" in data:  # GCS object resource
        return [ObjectEvent(bucket=data["bucket"], key=data["name"], kind=CREATED, dialect=dialect,
                            etag=data.get("etag") or data.get("md5Hash"), metadata=_user_metadata(data.get("metadata")))]
    if "message" in data and "key" in data:
        return _from_seaweed(data)
    raise EventFormatError("the event data is in no format this function reads")


def parse_events(headers: Mapping[str, str], body: bytes) -> list[ObjectEvent]:
    """Decode one delivery into object events. Raises EventFormatError for anything unreadable."""
    try:
        payload = json.loads(body or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise EventFormatError("the event body is not valid JSON") from None
    try:
        return _parse_payload(headers, payload)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # The dialects read the producer's JSON field by field: a field missing or of another shape (a number
        # where a key belongs, a string where an object does, broken base64) is the sender's mistake, answered
        # with a code, not a traceback.
        detail = f"lacks {exc}" if isinstance(exc, KeyError) else f"has a field of the wrong shape ({exc})"
        raise EventFormatError(f"the event {detail}") from None


def _parse_payload(headers: Mapping[str, str], payload) -> list[ObjectEvent]:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if headers.get("ce-specversion"):
        kind = _kind(headers.get("ce-type", ""))
        events = _from_data(payload, "cloudevents-binary")
        return [e if e.kind != OTHER else _with_kind(e, kind) for e in events]
    if content_type == "application/cloudevents+json" or (isinstance(payload, dict) and "specversion" in payload):
        if not isinstance(payload, dict):
            raise EventFormatError("a structured CloudEvent must be a JSON object")
        data = payload.get("data")
        if data is None and payload.get("data_base64"):
            data = base64.b64decode(payload["data_base64"], validate=True)
        events = _from_data(data, "cloudevents-structured")
        return [e if e.kind != OTHER else _with_kind(e, _kind(payload.get("type", ""))) for e in events]
    if not isinstance(payload, dict):
        raise EventFormatError("the event body is not a JSON object")
    if payload.get("Type") == "Notification" and "Message" in payload:  # SNS envelope
        return _from_data(payload["Message"], "aws-sns")
    if payload.get("Event") == "s3:TestEvent":
        return []
    if "EventName" in payload and "Records" in payload:
        return _from_s3_records(payload["Records"] or [], "minio")
    if "Records" in payload:
        return _from_s3_records(payload["Records"] or [], "aws-s3")
    if "message" in payload and "key" in payload:
        return _from_seaweed(payload)
    raise EventFormatError("the event body is in no format this function reads (S3, MinIO, CloudEvents, SeaweedFS)")


def _with_kind(event: ObjectEvent, kind: str) -> ObjectEvent:
    return ObjectEvent(bucket=event.bucket, key=event.key, kind=kind, dialect=event.dialect, etag=event.etag,
                       metadata=event.metadata)
