"""Object-storage event payloads -> `ObjectEvent`s, for the four dialects the function accepts.

- AWS S3 event notifications: `{"Records": [{"eventName": "ObjectCreated:Put", "s3": {...}}]}`, keys
  form-URL-encoded (space as '+'); also when wrapped in an SNS envelope, and the s3:TestEvent. An SNS
  HTTP(S) subscription's SubscriptionConfirmation is answered with no events and logged with the command
  that confirms it (`_sns_confirmation`): the function fetches no URL a request names.
- MinIO webhook: the same records plus top-level `EventName` and `Key` ("bucket/key").
- CloudEvents 1.0, binary mode (`ce-*` headers, data as body) and structured mode
  (`application/cloudevents+json`), with S3, MinIO, EventBridge or GCS-style data.
- SeaweedFS filer webhook: a filer entry change under `/buckets/<bucket>/<key>`.

The dialect is told by the keys of the decoded JSON; the part it names is then converted by msgspec into
the Struct for its shape (`S3Record`, `EventBridgeEvent`, `GcsObject`, `SeaweedEvent`, ...), which holds the
fields this module reads, each with the JSON type it must have. A payload that breaks that is refused with
a message naming the field as the payload spells it, from the body's root (`Records[0].s3.object.key must
be a string, not a number`), in JSON's words, never Python's (`_explain`).
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote_plus

import msgspec

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


# -- the payloads' shapes -------------------------------------------------------------------------
# Only the fields read here. Unknown fields are ignored (msgspec's default; never forbid_unknown_fields):
# producers add fields from one version to the next. An optional field absent or null is None.
class S3Bucket(msgspec.Struct):
    name: str


class S3Object(msgspec.Struct):
    key: str  # form-URL-encoded
    e_tag: str | None = msgspec.field(default=None, name="eTag")
    etag: str | None = None  # read too, for producers that spell it so
    user_metadata: dict[str, Any] | None = msgspec.field(default=None, name="userMetadata")  # MinIO


class S3Entity(msgspec.Struct):
    bucket: S3Bucket
    object: S3Object


class S3Record(msgspec.Struct):
    s3: S3Entity
    event_name: str | None = msgspec.field(default=None, name="eventName")


class EventBridgeObject(msgspec.Struct):
    key: str  # not URL-encoded
    etag: str | None = None


class EventBridgeDetail(msgspec.Struct):
    bucket: S3Bucket
    object: EventBridgeObject


class EventBridgeEvent(msgspec.Struct):
    detail: EventBridgeDetail
    detail_type: str | None = msgspec.field(default=None, name="detail-type")


class GcsObject(msgspec.Struct):
    bucket: str
    name: str
    etag: str | None = None
    md5_hash: str | None = msgspec.field(default=None, name="md5Hash")
    metadata: dict[str, Any] | None = None


class SeaweedAttributes(msgspec.Struct):
    md5: str | None = None  # base64 of the 16 bytes


class SeaweedEntry(msgspec.Struct):
    name: str | None = None
    is_directory: bool | None = None
    attributes: SeaweedAttributes | None = None
    extended: dict[str, Any] | None = None  # the filer's bytes values, base64 (`_b64_text`)


class SeaweedChange(msgspec.Struct):
    new_entry: SeaweedEntry | None = None
    old_entry: SeaweedEntry | None = None
    new_parent_path: str | None = None  # the folder new_entry is in; another than the key's after a rename


class SeaweedEvent(msgspec.Struct):
    key: str | None = None  # "/buckets/<bucket>/<key>", not URL-encoded
    event_type: str | None = None
    message: SeaweedChange | None = None


class CloudEvent(msgspec.Struct):  # structured mode; binary mode's body is the data itself
    type: str | None = None
    data: Any = None
    data_base64: str | None = None


class SnsNotification(msgspec.Struct):
    message: str | dict[str, Any] = msgspec.field(name="Message")  # SNS sends the event as JSON text


class SnsConfirmation(msgspec.Struct):
    type: str = msgspec.field(name="Type")
    topic_arn: str = msgspec.field(name="TopicArn")
    token: str = msgspec.field(name="Token")


# -- decoding and converting, errors in the payload's terms ------------------------------------------
_JSON_WORDS = {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean",
               "object": "an object", "array": "a list", "null": "null"}
# msgspec.ValidationError's two messages for JSON that does not fit a type; `at` is a path such as `$[0].s3`.
_MISMATCH = re.compile(r"Expected `(?P<wanted>[^`]+)`, got `(?P<got>[^`]+)`(?: - at `\$(?P<at>[^`]*)`)?")
_MISSING = re.compile(r"Object missing required field `(?P<name>[^`]+)`(?: - at `\$(?P<at>[^`]*)`)?")


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _explain(error: str, where: str) -> str:
    """A msgspec.ValidationError's message for a part found at `where` (from the body's root: "" for the
    body itself), in this module's words: `Records[0].s3.object.key must be a string, not a number`."""
    def named(at: str | None, name: str = "") -> str:
        return (where + (at or "") + (f".{name}" if name else "")).lstrip(".") or "the event body"

    if missing := _MISSING.fullmatch(error):
        return f"{named(missing['at'], missing['name'])} is missing"
    if mismatch := _MISMATCH.fullmatch(error):
        # null is left out of what an optional field must be: absent and null both mean "not given"
        wanted = [w for w in mismatch["wanted"].split(" | ") if w != "null"] or ["null"]
        words = " or ".join(_JSON_WORDS.get(w, w) for w in wanted)
        return f"{named(mismatch['at'])} must be {words}, not {_JSON_WORDS.get(mismatch['got'], mismatch['got'])}"
    return f"{named(None)} is not valid: {error}"  # a check none of the shapes above makes


def _convert(value: Any, shape: Any, where: str) -> Any:
    """Decoded JSON `value`, found at `where` in the body, as `shape` (a Struct, or dict/list and the like)."""
    try:
        return msgspec.convert(value, shape)
    except msgspec.ValidationError as exc:
        raise EventFormatError(_explain(str(exc), where)) from None


def _decode(text: str | bytes, refusal: str) -> Any:
    try:
        return msgspec.json.decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise EventFormatError(refusal) from None


# -- the dialects --------------------------------------------------------------------------------
def _kind(name: str) -> str:
    lowered = name.lower()
    if "objectcreated" in lowered or "object created" in lowered or "finalize" in lowered or lowered == "create":
        return CREATED
    if "objectremoved" in lowered or "deleted" in lowered or "delete" in lowered:
        return REMOVED
    return OTHER


def _user_metadata(raw: dict[str, Any] | None) -> dict[str, str]:
    out = {}
    for k, v in (raw or {}).items():
        name = k.lower()
        out[name[len("x-amz-meta-"):] if name.startswith("x-amz-meta-") else name] = str(v)
    return out


def _valid_bucket(name: str, where: str) -> str:
    if not valid_bucket_name(name):
        raise EventFormatError(f"{where} {name!r} is not a valid bucket name")
    return name


def _from_s3_records(value: Any, dialect: str, where: str) -> list[ObjectEvent]:
    """An S3 `Records` array (null: none), found at `where`."""
    records = _convert(value, list[Any] | None, where) or []
    if len(records) > MAX_RECORDS:  # counted before any record is converted
        raise TooManyRecords(f"{where} holds {len(records):,} records; one delivery may carry at most "
                             f"{MAX_RECORDS} (S3, MinIO and SeaweedFS send one per message)")
    return [_from_s3_record(record, dialect, f"{where}[{i}]")
            for i, record in enumerate(_convert(records, list[S3Record], where))]


def _from_s3_record(record: S3Record, dialect: str, at: str) -> ObjectEvent:
    """One S3 event record; `at` names it in the payload ("Records[0]", "data", "" for a whole body)."""
    bucket, obj = _valid_bucket(record.s3.bucket.name, _path(at, "s3.bucket.name")), record.s3.object
    return ObjectEvent(bucket=bucket, key=unquote_plus(obj.key), kind=_kind(record.event_name or ""),
                       dialect=dialect, etag=obj.e_tag or obj.etag or None, metadata=_user_metadata(obj.user_metadata))


def _from_seaweed(body: dict, where: str) -> list[ObjectEvent]:
    """`{"event_type", "key": "/buckets/<bucket>/<key>" (not URL-encoded), "message": {new_entry, old_entry}}`.

    A rename (the filer's move: `event_type` "rename", `key` the old path) creates the object at its new path,
    `new_parent_path` + "/" + `new_entry.name`; that is the object to process (a folder moved is sent once per
    file in it as well). In a bucket with versioning on, the S3 gateway keeps each version of `<key>` as a
    file `<key>.versions/v_<id>`: an event for one is an event for `<key>`.
    """
    event = _convert(body, SeaweedEvent, where)
    change = event.message or SeaweedChange()
    new, old = change.new_entry, change.old_entry
    entry, entry_at = (new, _path(where, "message.new_entry")) if new else (old, _path(where, "message.old_entry"))
    path = event.key or ""
    event_type = event.event_type or ("create" if new and not old else "update" if new else "delete")
    if new and old and new.name and change.new_parent_path:
        moved_to = change.new_parent_path.rstrip("/") + "/" + new.name
        if moved_to != path:  # "update" names the same path; a rename, the one moved from
            path, event_type = moved_to, "rename"
    if (entry and entry.is_directory) or not path.startswith(SEAWEED_BUCKETS_ROOT):
        return []  # folders, and filer files outside the S3 buckets root, are not objects
    bucket, _, key = path[len(SEAWEED_BUCKETS_ROOT):].partition("/")
    if not key or key.startswith(".uploads/"):
        return []  # multipart parts in flight
    if not valid_bucket_name(bucket):
        raise EventFormatError(f"{_path(where, 'key')} {path!r} names no valid bucket")
    kind = CREATED if event_type in ("create", "update", "rename") else REMOVED if event_type == "delete" else OTHER
    etag, metadata, version_of = _seaweed_entry(entry or SeaweedEntry(), entry_at)
    folder, _, name = key.rpartition("/")
    if version_of and folder.endswith(_SEAWEED_VERSIONS) and name.startswith("v_"):
        key = folder[: -len(_SEAWEED_VERSIONS)]
    return [ObjectEvent(bucket=bucket, key=key, kind=kind, dialect="seaweedfs", etag=etag, metadata=metadata)]


_SEAWEED_VERSIONS = ".versions"  # the S3 gateway's folder of an object's versions, beside where it would be


def _seaweed_entry(entry: SeaweedEntry, at: str) -> tuple[str | None, dict[str, str], bool]:
    """The S3 gateway's ETag (else the hex of the filer's md5) and the user metadata of one filer entry, and
    whether it is one version of an object (in a bucket with versioning on)."""
    extended = {k: _b64_text(v) for k, v in (entry.extended or {}).items()}
    etag = extended.get("Seaweed-X-Amz-ETag")
    md5 = entry.attributes.md5 if entry.attributes else None
    if etag is None and md5:
        try:
            etag = base64.b64decode(md5, validate=True).hex()
        except (binascii.Error, ValueError):
            raise EventFormatError(f"{at}.attributes.md5 is not base64") from None
    metadata = _user_metadata({k: v for k, v in extended.items() if k.lower().startswith("x-amz-meta-")})
    return etag, metadata, "Seaweed-X-Amz-Version-Id" in extended


def _b64_text(value: Any) -> str:
    """SeaweedFS JSON-encodes the filer's `extended` bytes values as base64."""
    try:
        return base64.b64decode(value).decode("utf-8")
    except (ValueError, TypeError):
        return str(value)


def _from_eventbridge(data: dict, dialect: str, where: str) -> list[ObjectEvent]:
    event = _convert(data, EventBridgeEvent, where)
    bucket = _valid_bucket(event.detail.bucket.name, _path(where, "detail.bucket.name"))
    return [ObjectEvent(bucket=bucket, key=event.detail.object.key, kind=_kind(event.detail_type or "Object Created"),
                        dialect=dialect, etag=event.detail.object.etag or None)]


def _from_gcs(data: dict, dialect: str, where: str) -> list[ObjectEvent]:
    obj = _convert(data, GcsObject, where)
    return [ObjectEvent(bucket=_valid_bucket(obj.bucket, _path(where, "bucket")), key=obj.name, kind=CREATED,
                        dialect=dialect, etag=obj.etag or obj.md5_hash or None, metadata=_user_metadata(obj.metadata))]


def _from_data(data: Any, dialect: str, where: str) -> list[ObjectEvent]:
    """The event payload inside an envelope (CloudEvents data, SNS message); `where` names it."""
    if isinstance(data, (str, bytes)):  # bytes: decoded from a structured CloudEvent's data_base64
        data = _decode(data, f"{where or 'the event data'} is not JSON")
    data = _convert(data, dict, where)
    if data.get("Event") == "s3:TestEvent":  # S3 sends it once when a notification is set up: no object
        return []
    if "Records" in data:
        return _from_s3_records(data["Records"], dialect, _path(where, "Records"))
    if "s3" in data:
        return [_from_s3_record(_convert(data, S3Record, where), dialect, where)]
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


def _sns_confirmation(confirmation: SnsConfirmation) -> None:
    """An SNS HTTP(S) subscription's (un)subscribe confirmation: no object, so no events.

    SNS sends nothing more until the subscription is confirmed, by a GET of `SubscribeURL` or by
    ConfirmSubscription with `Token`. The function never fetches a URL named by a request (whoever can
    post here could make it call any address it reaches), so it logs, at WARNING, the command an operator
    runs to confirm: `aws sns confirm-subscription` with the topic's ARN and region and the token (the token
    is short-lived: confirm soon, or subscribe again). Run with AWS credentials, it also asks SNS to refuse
    unsubscribes without them (`--authenticate-on-unsubscribe`), which a visit of the URL cannot.
    """
    topic, token = confirmation.topic_arn, confirmation.token
    match = _SNS_TOPIC_ARN.fullmatch(topic)
    if not match:
        raise EventFormatError(f"TopicArn {topic[:300]!r} is not an SNS topic ARN")
    if not _SNS_TOKEN.fullmatch(token):
        raise EventFormatError("Token is not an SNS confirmation token")
    command = (f"aws sns confirm-subscription --region {match.group(1)} --topic-arn {shlex.quote(topic)} "
               f"--token {shlex.quote(token)} --authenticate-on-unsubscribe true")
    if confirmation.type == "SubscriptionConfirmation":
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
    if not body.strip():  # else JSON's null, answered "must be an object, not null" of a body the sender never wrote
        raise EventFormatError("the event body is empty: expected the notification its sender posts (S3 or MinIO "
                               "records, SNS, a CloudEvent or a SeaweedFS filer event) as JSON")
    payload = _decode(body, "the event body is not valid JSON")
    try:
        return _parse_payload(headers, payload)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # Every part is converted into its Struct before it is read; this is the net under a shape no Struct
        # foresaw: the sender's mistake all the same, answered with a code, not a traceback.
        log.info("unreadable event payload (%s: %s)", type(exc).__name__, exc)
        raise EventFormatError("the event has a field of an unexpected type or shape") from None


def _parse_payload(headers: Mapping[str, str], payload: Any) -> list[ObjectEvent]:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if headers.get("ce-specversion"):
        return _kind_if_other(_from_data(payload, "cloudevents-binary", ""), headers.get("ce-type", ""))
    if content_type == "application/cloudevents+json" or (isinstance(payload, dict) and "specversion" in payload):
        return _from_structured_cloudevent(payload)
    payload = _convert(payload, dict, "")
    if payload.get("Type") in SNS_CONFIRMATIONS:
        _sns_confirmation(_convert(payload, SnsConfirmation, ""))
        return []
    if payload.get("Type") == "Notification" and "Message" in payload:  # SNS envelope
        return _from_data(_convert(payload, SnsNotification, "").message, "aws-sns", "Message")
    if payload.get("Event") == "s3:TestEvent":
        return []
    if "Records" in payload:
        return _from_s3_records(payload["Records"], "minio" if "EventName" in payload else "aws-s3", "Records")
    if "message" in payload and "key" in payload:
        return _from_seaweed(payload, "")
    raise EventFormatError("the event body is in no format this function reads (S3, MinIO, CloudEvents, SeaweedFS)")


def _from_structured_cloudevent(payload: Any) -> list[ObjectEvent]:
    event = _convert(payload, CloudEvent, "")
    data = event.data
    if data is None and event.data_base64:
        try:
            data = base64.b64decode(event.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise EventFormatError("data_base64 is not base64") from None
    return _kind_if_other(_from_data(data, "cloudevents-structured", "data"), event.type or "")


def _kind_if_other(events: list[ObjectEvent], event_type: str) -> list[ObjectEvent]:
    """Events whose data named no kind take the envelope's (a CloudEvent's `type`)."""
    kind = _kind(event_type)
    return [e if e.kind != OTHER else replace(e, kind=kind) for e in events]
