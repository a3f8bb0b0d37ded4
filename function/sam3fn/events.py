"""Object-storage event payloads -> `ObjectEvent`s, for the four dialects the function accepts.

- AWS S3 event notifications: `{"Records": [{"eventName": "ObjectCreated:Put", "s3": {...}}]}`, keys
  form-URL-encoded (space as '+'); also when wrapped in an SNS envelope, and the s3:TestEvent. An SNS
  HTTP(S) subscription's SubscriptionConfirmation is answered with no events and logged with the command
  that confirms it (`_sns_confirmation`): the function fetches no URL a request names.
- MinIO webhook: the same records plus top-level `EventName` and `Key` ("bucket/key").
- CloudEvents 1.0, binary mode (`ce-*` headers, data as body) and structured mode
  (`application/cloudevents+json`), with S3, MinIO, EventBridge or GCS-style data.
- SeaweedFS filer webhook: a filer entry change under `/buckets/<bucket>/<key>`.

Every field is read with the JSON type it must have, and a payload that breaks that is refused with a
message naming the field as the payload spells it (`Records[0].s3.object.key must be a string, not a
number`), never with Python's words for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from .core.errors import InputError
from .storage import valid_bucket_name

log = logging.getLogger(__name__)

CREATED, REMOVED, OTHER = "created", "removed", "other"
SEAWEED_BUCKETS_ROOT = "/buckets/"

# Records one delivery may carry. S3, MinIO, SeaweedFS and EventBridge send one object per message; a body
# holding thousands (a 20 MB body holds ~100,000 copies of one record) would tie the function up for
# minutes before any answer, so it is refused whole, before any record is worked on.
MAX_RECORDS = 100


class EventFormatError(InputError):
    code = "invalid_event"


class TooManyRecords(EventFormatError):
    code = "too_many_records"


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


# -- reading JSON fields by type -------------------------------------------------------------------
def _json_type(value) -> str:
    """A value's JSON type, in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "binary data"


_WANTED = {str: "a string", dict: "an object", list: "a list", bool: "a boolean"}


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _typed(value, kind: type, path: str, what: str = ""):
    if not isinstance(value, kind):
        raise EventFormatError(f"{path} must be {what or _WANTED[kind]}, not {_json_type(value)}")
    return value


def _need(obj: dict, name: str, kind: type, where: str, what: str = ""):
    """`obj[name]`, which must be there and of JSON type `kind`."""
    if name not in obj:
        raise EventFormatError(f"{_path(where, name)} is missing")
    return _typed(obj[name], kind, _path(where, name), what)


def _optional(obj: dict, name: str, kind: type, where: str, what: str = ""):
    """`obj[name]` if it is there and not null (then of JSON type `kind`), else None."""
    value = obj.get(name)
    return None if value is None else _typed(value, kind, _path(where, name), what)


def _first_text(obj: dict, names: tuple[str, ...], where: str) -> str | None:
    """The first of `names` present with a non-empty value: a string (an ETag, say)."""
    for name in names:
        if value := _optional(obj, name, str, where):
            return value
    return None


# -- the dialects --------------------------------------------------------------------------------
def _kind(name: str) -> str:
    lowered = name.lower()
    if "objectcreated" in lowered or "object created" in lowered or "finalize" in lowered or lowered == "create":
        return CREATED
    if "objectremoved" in lowered or "deleted" in lowered or "delete" in lowered:
        return REMOVED
    return OTHER


def _user_metadata(raw: dict | None) -> dict[str, str]:
    out = {}
    for k, v in (raw or {}).items():
        name = k.lower()
        out[name[len("x-amz-meta-"):] if name.startswith("x-amz-meta-") else name] = str(v)
    return out


def _records(value, where: str) -> list:
    """An S3 `Records` array: a list of at most MAX_RECORDS records (null: none)."""
    if value is None:
        return []
    records = _typed(value, list, where, "a list of S3 event records")
    if len(records) > MAX_RECORDS:
        raise TooManyRecords(f"{where} holds {len(records):,} records; one delivery may carry at most "
                             f"{MAX_RECORDS} (S3, MinIO and SeaweedFS send one per message)")
    return records


def _from_s3_records(records: list, dialect: str, where: str) -> list[ObjectEvent]:
    return [_from_s3_record(record, dialect, f"{where}[{i}]") for i, record in enumerate(records)]


def _from_s3_record(record, dialect: str, at: str) -> ObjectEvent:
    """One S3 event record; `at` names it in the payload ("Records[0]", "data", "" for a whole body)."""
    _typed(record, dict, at or "the event", "an S3 event record (an object)")
    s3 = _need(record, "s3", dict, at)
    bucket = _need(_need(s3, "bucket", dict, _path(at, "s3")), "name", str, _path(at, "s3.bucket"))
    obj = _need(s3, "object", dict, _path(at, "s3"))
    key = unquote_plus(_need(obj, "key", str, _path(at, "s3.object")))
    if not valid_bucket_name(bucket):
        raise EventFormatError(f"{_path(at, 's3.bucket.name')} {bucket!r} is not a valid bucket name")
    return ObjectEvent(bucket=bucket, key=key, kind=_kind(_optional(record, "eventName", str, at) or ""),
                       dialect=dialect, etag=_first_text(obj, ("eTag", "etag"), _path(at, "s3.object")),
                       metadata=_user_metadata(_optional(obj, "userMetadata", dict, _path(at, "s3.object"))))


def _from_seaweed(body: dict, where: str) -> list[ObjectEvent]:
    """`{"event_type", "key": "/buckets/<bucket>/<key>" (not URL-encoded), "message": {new_entry, old_entry}}`."""
    message = _optional(body, "message", dict, where) or {}
    at = _path(where, "message")
    new = _optional(message, "new_entry", dict, at)
    old = _optional(message, "old_entry", dict, at)
    entry, entry_at = (new, f"{at}.new_entry") if new else (old or {}, f"{at}.old_entry")
    path = _optional(body, "key", str, where) or ""
    if entry.get("is_directory") or not path.startswith(SEAWEED_BUCKETS_ROOT):
        return []  # folders, and filer files outside the S3 buckets root, are not objects
    bucket, _, key = path[len(SEAWEED_BUCKETS_ROOT):].partition("/")
    if not key or key.startswith(".uploads/"):
        return []  # multipart parts in flight
    if not valid_bucket_name(bucket):
        raise EventFormatError(f"{_path(where, 'key')} {path!r} names no valid bucket")
    event_type = (_optional(body, "event_type", str, where)
                  or ("create" if new and not old else "update" if new else "delete"))
    kind = CREATED if event_type in ("create", "update") else REMOVED if event_type == "delete" else OTHER
    extended = {k: _b64_text(v) for k, v in (_optional(entry, "extended", dict, entry_at) or {}).items()}
    etag = extended.pop("Seaweed-X-Amz-ETag", None)
    attributes = _optional(entry, "attributes", dict, entry_at) or {}
    md5 = _optional(attributes, "md5", str, f"{entry_at}.attributes")
    if etag is None and md5:
        try:
            etag = base64.b64decode(md5, validate=True).hex()
        except (binascii.Error, ValueError):
            raise EventFormatError(f"{entry_at}.attributes.md5 is not base64") from None
    meta = {k: v for k, v in extended.items() if k.lower().startswith("x-amz-meta-")}
    return [ObjectEvent(bucket=bucket, key=key, kind=kind, dialect="seaweedfs", etag=etag,
                        metadata=_user_metadata(meta))]


def _b64_text(value) -> str:
    """SeaweedFS JSON-encodes the filer's `extended` bytes values as base64."""
    try:
        return base64.b64decode(value).decode("utf-8")
    except (ValueError, TypeError):
        return str(value)


def _from_eventbridge(data: dict, dialect: str, where: str) -> list[ObjectEvent]:
    at = _path(where, "detail")
    detail = data["detail"]
    bucket = _need(_need(detail, "bucket", dict, at), "name", str, f"{at}.bucket")
    obj = _need(detail, "object", dict, at)
    key = _need(obj, "key", str, f"{at}.object")
    if not valid_bucket_name(bucket):
        raise EventFormatError(f"{at}.bucket.name {bucket!r} is not a valid bucket name")
    kind = _kind(_optional(data, "detail-type", str, where) or "Object Created")
    return [ObjectEvent(bucket=bucket, key=key, kind=kind, dialect=dialect,
                        etag=_first_text(obj, ("etag",), f"{at}.object"))]


def _from_gcs(data: dict, dialect: str, where: str) -> list[ObjectEvent]:
    bucket, key = _need(data, "bucket", str, where), _need(data, "name", str, where)
    if not valid_bucket_name(bucket):
        raise EventFormatError(f"{_path(where, 'bucket')} {bucket!r} is not a valid bucket name")
    return [ObjectEvent(bucket=bucket, key=key, kind=CREATED, dialect=dialect,
                        etag=_first_text(data, ("etag", "md5Hash"), where),
                        metadata=_user_metadata(_optional(data, "metadata", dict, where)))]


def _from_data(data, dialect: str, where: str) -> list[ObjectEvent]:
    """The event payload inside an envelope (CloudEvents data, SNS message); `where` names it."""
    if isinstance(data, (str, bytes)):  # bytes: decoded from a structured CloudEvent's data_base64
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise EventFormatError(f"{where or 'the event data'} is not JSON") from None
    _typed(data, dict, where or "the event data", "a JSON object")
    if data.get("Event") == "s3:TestEvent":  # S3 sends it once when a notification is set up: no object
        return []
    if "Records" in data:
        return _from_s3_records(_records(data["Records"], _path(where, "Records")), dialect, _path(where, "Records"))
    if "s3" in data:
        return [_from_s3_record(data, dialect, where)]
    if isinstance(data.get("detail"), dict) and "object" in data["detail"]:  # EventBridge
        return _from_eventbridge(data, dialect, where)
    if "bucket" in data and "name" in data:  # GCS object resource
        return _from_gcs(data, dialect, where)
    if "message" in data and "key" in data:
        return _from_seaweed(data, where)
    raise EventFormatError(f"{where or 'the event data'} is in no format this function reads")


# -- SNS subscriptions ---------------------------------------------------------------------------
# Matched whole (`fullmatch`: a `$` would let a trailing newline into the log line).
_SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):[0-9]{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?", re.ASCII)
_SNS_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,4096}", re.ASCII)
SNS_CONFIRMATIONS = ("SubscriptionConfirmation", "UnsubscribeConfirmation")


def _sns_confirmation(payload: dict) -> None:
    """An SNS HTTP(S) subscription's (un)subscribe confirmation: no object, so no events.

    SNS sends nothing more until the subscription is confirmed, by a GET of `SubscribeURL` or by
    ConfirmSubscription with `Token`. The function never fetches a URL named by a request (whoever can
    post here could make it call any address it reaches), so it logs, at WARNING, the command an operator
    runs to confirm: `aws sns confirm-subscription` with the topic's ARN and region and the token (the token
    is short-lived: confirm soon, or subscribe again). Run with AWS credentials, it also asks SNS to refuse
    unsubscribes without them (`--authenticate-on-unsubscribe`), which a visit of the URL cannot.
    """
    kind = payload["Type"]
    topic = _need(payload, "TopicArn", str, "")
    token = _need(payload, "Token", str, "")
    match = _SNS_TOPIC_ARN.fullmatch(topic)
    if not match:
        raise EventFormatError(f"TopicArn {topic[:300]!r} is not an SNS topic ARN")
    if not _SNS_TOKEN.fullmatch(token):
        raise EventFormatError("Token is not an SNS confirmation token")
    command = (f"aws sns confirm-subscription --region {match.group(1)} --topic-arn {shlex.quote(topic)} "
               f"--token {shlex.quote(token)} --authenticate-on-unsubscribe true")
    if kind == "SubscriptionConfirmation":
        log.warning("SNS topic %s asks this endpoint to confirm its subscription; events from it arrive only "
                    "once it is confirmed. This function does not visit SubscribeURL; to confirm, run: %s",
                    topic, command)
    else:
        log.warning("SNS topic %s unsubscribed this endpoint; no more events arrive from it. If that was not "
                    "meant, subscribe again with: %s", topic, command)


# -- one delivery --------------------------------------------------------------------------------
def parse_events(headers: Mapping[str, str], body: bytes) -> list[ObjectEvent]:
    """Decode one delivery into object events. Raises EventFormatError for anything unreadable (its
    TooManyRecords for more records than one delivery may carry)."""
    try:
        payload = json.loads(body or b"null")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise EventFormatError("the event body is not valid JSON") from None
    try:
        return _parse_payload(headers, payload)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # Every field is read by type (`_need`, `_optional`); this is the net under a shape no reader
        # foresaw: the sender's mistake all the same, answered with a code, not a traceback.
        log.info("unreadable event payload (%s: %s)", type(exc).__name__, exc)
        raise EventFormatError("the event has a field of an unexpected type or shape") from None


def _parse_payload(headers: Mapping[str, str], payload) -> list[ObjectEvent]:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if headers.get("ce-specversion"):
        kind = _kind(headers.get("ce-type", ""))
        events = _from_data(payload, "cloudevents-binary", "")
        return [e if e.kind != OTHER else _with_kind(e, kind) for e in events]
    if content_type == "application/cloudevents+json" or (isinstance(payload, dict) and "specversion" in payload):
        if not isinstance(payload, dict):
            raise EventFormatError("a structured CloudEvent must be a JSON object")
        data = payload.get("data")
        if data is None and payload.get("data_base64"):
            encoded = _typed(payload["data_base64"], str, "data_base64")
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise EventFormatError("data_base64 is not base64") from None
        events = _from_data(data, "cloudevents-structured", "data")
        kind = _kind(_optional(payload, "type", str, "") or "")
        return [e if e.kind != OTHER else _with_kind(e, kind) for e in events]
    if not isinstance(payload, dict):
        raise EventFormatError(f"the event body must be a JSON object, not {_json_type(payload)}")
    if payload.get("Type") in SNS_CONFIRMATIONS:
        _sns_confirmation(payload)
        return []
    if payload.get("Type") == "Notification" and "Message" in payload:  # SNS envelope
        return _from_data(payload["Message"], "aws-sns", "Message")
    if payload.get("Event") == "s3:TestEvent":
        return []
    if "Records" in payload:
        dialect = "minio" if "EventName" in payload else "aws-s3"
        return _from_s3_records(_records(payload["Records"], "Records"), dialect, "Records")
    if "message" in payload and "key" in payload:
        return _from_seaweed(payload, "")
    raise EventFormatError("the event body is in no format this function reads (S3, MinIO, CloudEvents, SeaweedFS)")


def _with_kind(event: ObjectEvent, kind: str) -> ObjectEvent:
    return ObjectEvent(bucket=event.bucket, key=event.key, kind=kind, dialect=event.dialect, etag=event.etag,
                       metadata=event.metadata)
