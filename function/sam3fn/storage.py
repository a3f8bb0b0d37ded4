"""Object storage through boto3 (any S3-compatible endpoint), and a local directory store for results.

Credentials are boto3's standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance
roles); only the endpoint comes from sam3fn's settings. Errors are sorted into what the caller did wrong
(404/403, permanent) and what may pass (transient: the caller or the event producer should retry).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .core.errors import Sam3fnError
from .core.files import write_atomically

log = logging.getLogger(__name__)


class StorageError(Sam3fnError):
    code = "storage_error"


class ObjectNotFound(StorageError):
    code = "object_not_found"


class ObjectTooLarge(StorageError):
    code = "object_too_large"


class AccessDenied(StorageError):
    code = "access_denied"


class BucketNotAllowed(StorageError):
    code = "bucket_not_allowed"


class BucketNotFound(ObjectNotFound):
    """The bucket itself does not exist (NoSuchBucket): no object in it does either, so every caller that
    handles a missing object handles this too, while the caller of a LIST or GET learns what is missing."""

    code = "bucket_not_found"


class InvalidKey(StorageError):
    """A key this store (or the local results directory) refuses: too long, a NUL, a file where a folder must
    be. Permanent for that key, and says nothing of any other."""

    code = "invalid_key"


class PreconditionFailed(StorageError):
    """A conditional write lost: the object exists (If-None-Match) or changed (If-Match)."""

    code = "precondition_failed"


class StorageUnavailable(StorageError):
    """Transient: timeouts, connection failures, throttling and 5xx from the store."""

    code = "storage_unavailable"


class ConditionalConflict(StorageUnavailable):
    """A conditional write that met another one on the same key in flight (AWS S3's 409
    ConditionalRequestConflict): neither won nor lost yet; look again, or retry."""


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class ObjectInfo:
    etag: str
    size: int
    metadata: dict[str, str] = field(default_factory=dict)  # user metadata, x-amz-meta- prefix removed
    content_type: str = ""  # as HEAD answers it; "" where not known


@dataclass(frozen=True)
class ListedObject:
    key: str
    modified: float  # last modified, seconds since the epoch (S3 lists it to the second)


# The bucket names botocore sends (its VALID_BUCKET; access-point ARNs cannot appear in an s3:// URL). It
# refuses any other name before a request leaves, so a typo must be caught here as the caller's mistake.
_BUCKET_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,255}$")


def valid_bucket_name(name: str) -> bool:
    return bool(_BUCKET_NAME.match(name))


# S3 (and MinIO, SeaweedFS, Cloud Storage) refuse keys longer than this many bytes of UTF-8.
MAX_KEY_BYTES = 1024


def key_problem(key: str) -> str | None:
    """Why no S3 request can name `key`, or None. Tabs, newlines and other control characters are valid in
    keys; NUL is not (the store answers 400 InvalidRequest), nor text that is not Unicode (a lone surrogate,
    which JSON's \\ud800 escape can carry, cannot be sent at all), nor a key over MAX_KEY_BYTES."""
    if "\x00" in key:
        return "holds a NUL character, which no S3 key may"
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate)"
    if size > MAX_KEY_BYTES:
        return f"is {size:,} bytes long, over the {MAX_KEY_BYTES:,} an S3 key may have"
    return None


def is_s3_url(text: str) -> bool:
    return text[:5].lower() == "s3://"  # URL schemes are case-insensitive


def parse_s3_url(url: str) -> ObjectRef:
    """`s3://bucket/key` as written: '?' and '#' are ordinary characters in S3 keys (the AWS CLI reads
    s3://b/photo#1.jpg as the key 'photo#1.jpg'), so no URL parser may cut the key at them."""
    bucket, _, key = url[5:].partition("/") if is_s3_url(url) else ("", "", "")
    key = key.lstrip("/")
    if not bucket or not key:
        raise StorageError(f"{url!r} is not an s3://bucket/key URL", code="invalid_s3_url")
    if not valid_bucket_name(bucket):
        raise StorageError(f"{bucket!r} in {url!r} is not a valid bucket name", code="invalid_s3_url")
    if problem := key_problem(key):
        raise StorageError(f"the key in {url[:200]!r} {problem}", code="invalid_s3_url")
    return ObjectRef(bucket, key)


_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "ServiceUnavailable",
                    "InternalError", "RequestTimeTooSkewed"}


def _translate(exc: Exception, ref: ObjectRef) -> StorageError:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ParamValidationError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code == "NoSuchBucket":  # a HEAD answers a bare 404 (no body), so only LIST, GET and PUT tell
            return BucketNotFound(f"the bucket {ref.bucket!r} does not exist in the store")
        if code in ("NoSuchKey", "404", "NotFound"):
            return ObjectNotFound(f"{ref} does not exist")
        if code == "ConditionalRequestConflict":  # 409: two replicas' claims on one key at once, say
            return ConditionalConflict(f"a concurrent conditional write on {ref} conflicted with this one; retry")
        if code == "PreconditionFailed" or status == 412:
            return PreconditionFailed(f"{ref} changed under a conditional write")
        if code in ("AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return AccessDenied(f"access to {ref} was denied by the store")
        if code == "KeyTooLongError":  # permanent: over the store's own limit (SeaweedFS: 255 bytes a segment)
            return InvalidKey(f"the store refuses the key of {str(ref)[:200]!r} as too long")
        if code == "NotImplemented":  # 501, yet permanent: a feature (a header) this store does not have
            return StorageError(f"the store does not support this request on {ref}", code="store_unsupported")
        if code in _TRANSIENT_CODES or status >= 500:
            return StorageUnavailable(f"the store failed on {ref} ({code or status}); retry later")
        return StorageError(f"the store refused {ref}: {code}")
    if isinstance(exc, ParamValidationError):  # refused before sending (a bucket name botocore rejects): permanent
        return StorageError(f"the request for {ref} is not valid: {exc}", code="invalid_request")
    if isinstance(exc, NoCredentialsError):  # the server's configuration; an event is worth redelivering once fixed
        return StorageUnavailable(f"this server has no S3 credentials for {ref} (AWS_ACCESS_KEY_ID and "
                                  "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role)")
    if isinstance(exc, BotoCoreError):
        return StorageUnavailable(f"the store could not be reached for {ref} ({type(exc).__name__}); retry later")
    raise exc


_GOOG_META = "x-goog-meta-"


def _user_metadata(response: dict) -> dict[str, str]:
    """The user metadata of a HEAD or GET answer. Cloud Storage's S3-compatible XML API answers it as
    `x-goog-meta-*` headers, which botocore leaves out of `Metadata`: read there too, or an object's prompts,
    and the source version a result records, would not be seen on Cloud Storage."""
    metadata = dict(response.get("Metadata") or {})
    for name, value in response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).items():
        if name.lower().startswith(_GOOG_META):
            metadata.setdefault(name[len(_GOOG_META):].lower(), value)
    return metadata


class ObjectStore:
    """Reads and writes objects on an S3-compatible endpoint, limited to the allowed buckets."""

    def __init__(self, endpoint: str | None, allowed_buckets: list[str] | None = None, client=None) -> None:
        self.endpoint = endpoint
        self.allowed = set(allowed_buckets or [])
        self._client = client
        self.conditional_deletes = True  # off once the store refuses If-Match on DELETE

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30,
                            s3={"addressing_style": "path"} if self.endpoint else {})
            self._client = boto3.session.Session().client("s3", endpoint_url=self.endpoint, config=config)
        return self._client

    def check_bucket(self, bucket: str) -> None:
        if self.allowed and bucket not in self.allowed:
            raise BucketNotAllowed(f"bucket {bucket!r} is not in this function's allowed buckets")

    def _check(self, ref: ObjectRef) -> None:
        """The bucket is allowed and the key one a request can carry: refused here, a key the store would
        refuse (NUL, too long) is the caller's mistake with a code, not the store's 400 passed on as a 502."""
        self.check_bucket(ref.bucket)
        if problem := key_problem(ref.key):
            raise InvalidKey(f"the key {ref.key[:200]!r} in bucket {ref.bucket!r} {problem}")

    def head(self, ref: ObjectRef) -> ObjectInfo | None:
        self._check(ref)
        try:
            r = self.client.head_object(Bucket=ref.bucket, Key=ref.key)
        except Exception as exc:  # noqa: BLE001 - sorted by _translate
            err = _translate(exc, ref)
            if isinstance(err, ObjectNotFound):
                return None
            raise err from None
        return ObjectInfo(etag=r.get("ETag", "").strip('"'), size=r.get("ContentLength", 0),
                          metadata=_user_metadata(r), content_type=r.get("ContentType", ""))

    def get(self, ref: ObjectRef, max_bytes: int) -> tuple[bytes, ObjectInfo]:
        self._check(ref)
        try:
            r = self.client.get_object(Bucket=ref.bucket, Key=ref.key)
            size = r.get("ContentLength", 0)
            if size > max_bytes:
                r["Body"].close()
                raise ObjectTooLarge(f"{ref} is {size:,} bytes, over the limit of {max_bytes:,}")
            body = r["Body"].read()
        except StorageError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, ref) from None
        return body, ObjectInfo(etag=r.get("ETag", "").strip('"'), size=len(body), metadata=_user_metadata(r))

    def list_objects(self, bucket: str, prefix: str) -> Iterator[ListedObject]:
        """Every object under `prefix`, in key order (ListObjectsV2, 1000 keys per call)."""
        self.check_bucket(bucket)
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ListedObject(item["Key"], item["LastModified"].timestamp())
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, ObjectRef(bucket, prefix)) from None

    def put(self, ref: ObjectRef, body: bytes, content_type: str, metadata: dict[str, str] | None = None, *,
            if_none_match: bool = False, if_match: str | None = None) -> str:
        """Write an object; returns its ETag. `if_none_match` writes only if no object is there, `if_match`
        only if the object there has that ETag (S3 conditional writes): the loser gets PreconditionFailed."""
        self._check(ref)
        conditions = {"IfNoneMatch": "*"} if if_none_match else {}
        if if_match is not None:
            conditions["IfMatch"] = f'"{if_match}"'
        try:
            r = self.client.put_object(Bucket=ref.bucket, Key=ref.key, Body=body, ContentType=content_type,
                                       Metadata=metadata or {}, **conditions)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, ref) from None
        return r.get("ETag", "").strip('"')

    def touch(self, ref: ObjectRef, info: ObjectInfo) -> None:
        """Bring the object's last-modified time to now without changing it: a copy onto itself, keeping the
        metadata and content type `info` (its HEAD) holds, and only while it still has `info.etag` (a newer
        object written since is left as it is: PreconditionFailed)."""
        self._check(ref)
        source = {"Bucket": ref.bucket, "Key": ref.key}
        try:
            self.client.copy_object(Bucket=ref.bucket, Key=ref.key, CopySource=source,
                                    CopySourceIfMatch=f'"{info.etag}"', MetadataDirective="REPLACE",
                                    Metadata=info.metadata, ContentType=info.content_type or "application/octet-stream")
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, ref) from None

    def delete(self, ref: ObjectRef, *, if_match: str | None = None) -> None:
        """Delete an object; with `if_match`, only while it still has that ETag (S3 conditional delete): the
        loser gets PreconditionFailed."""
        self._check(ref)
        conditions = {"IfMatch": f'"{if_match}"'} if if_match is not None else {}
        try:
            self.client.delete_object(Bucket=ref.bucket, Key=ref.key, **conditions)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, ref) from None

    def delete_unless_changed(self, ref: ObjectRef, etag: str | None) -> None:
        """Delete an object only while it still has `etag` (PreconditionFailed otherwise); None: plainly. A
        store that refuses If-Match on DELETE (501) gets plain deletes from then on: what is deleted this way
        (a claim, a superseded result) does more harm left for good than deleted a moment too late."""
        if etag and self.conditional_deletes:
            try:
                self.delete(ref, if_match=etag)
                return
            except StorageError as exc:
                if exc.code != "store_unsupported":
                    raise
                log.warning("the store refused a conditional delete of %s; it deletes unconditionally from now on",
                            ref)
                self.conditional_deletes = False
        self.delete(ref)


# The local store's own files beside an object: its metadata, and write_atomically's temporary file.
_META, _TMP = ".meta.json", ".tmp"


def _file_name(segment: str) -> str:
    """One segment of a key as a file name, one to one. S3 keys are plain strings: `a/../b`, `a//b` and a
    key ending `.meta.json` are objects of their own, but as paths they would land on `b`, on `a/b` and on
    another object's metadata. '%' is escaped first, so the escapes added here cannot be forged."""
    name = segment.replace("%", "%25")
    if name in ("", ".", ".."):
        return name.replace(".", "%2E") or "%"
    for own in (_META, _TMP):
        if name.endswith(own):
            return name[: -len(own)] + "%2E" + own[1:]
    return name


def _segment(file_name: str) -> str:
    from urllib.parse import unquote

    return "" if file_name == "%" else unquote(file_name)


class LocalStore:
    """Results in a local directory, laid out as <root>/<bucket>/<key>, for runs with no S3 endpoint.

    Every key has a file of its own (see `_file_name`); ordinary keys keep their names, so the directory
    reads as the bucket would. A key that needs a folder where another key has a file (`a.json` and
    `a.json/b`) is refused, as are segments longer than a file name may be.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, ref: ObjectRef) -> Path:
        names = [_file_name(part) for part in (ref.bucket, *ref.key.split("/"))]
        if any(len(name.encode("utf-8", "surrogatepass")) > 255 - len(_META + _TMP) for name in names):
            raise InvalidKey(f"{ref}: a part of the key is too long for a file name in the local results directory")
        path = self.root.joinpath(*names)
        # Encoded names cannot climb out; a symlink placed inside the root still could.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey(f"{ref} would land outside the results directory")
        return path

    def head(self, ref: ObjectRef) -> ObjectInfo | None:
        path = self._path(ref)
        if not path.is_file():
            return None
        meta = path.with_name(path.name + _META)
        metadata = json.loads(meta.read_text()) if meta.is_file() else {}
        return ObjectInfo(etag="", size=path.stat().st_size, metadata=metadata)

    def touch(self, ref: ObjectRef, info: ObjectInfo) -> None:
        """Bring the object's last-modified time to now (ObjectStore.touch); the metadata stays as it is."""
        path = self._path(ref)
        if path.is_file():
            os.utime(path)

    def list_objects(self, bucket: str, prefix: str) -> Iterator[ListedObject]:
        """Every object under `prefix`, by key (not the store's metadata and temporary files)."""
        top = self.root / _file_name(bucket)
        for path in sorted(top.rglob("*")) if top.is_dir() else []:
            if not path.is_file() or path.name.endswith((_META, _TMP)):
                continue
            key = "/".join(_segment(name) for name in path.relative_to(top).parts)
            if key.startswith(prefix):
                yield ListedObject(key, path.stat().st_mtime)

    def delete(self, ref: ObjectRef) -> None:
        """Delete an object and its metadata; deleting one that is not there is not an error, as on S3."""
        path = self._path(ref)
        path.unlink(missing_ok=True)
        path.with_name(path.name + _META).unlink(missing_ok=True)

    def delete_unless_changed(self, ref: ObjectRef, etag: str | None) -> None:
        """ObjectStore.delete_unless_changed, without the condition: a directory has no ETags (its writers share
        one process)."""
        self.delete(ref)

    def put(self, ref: ObjectRef, body: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None:
        path = self._path(ref)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, body)
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise InvalidKey(f"{ref}: the local results directory holds a file where this key needs a folder, "
                             "or a folder where it needs a file") from exc
        # The metadata (a result's source ETag: whether its event is done) goes after the object and by the
        # same rename, so a put that dies half way leaves at worst the new object beside the old metadata
        # (not done: written again), never the old object beside new metadata (done, with stale content).
        meta = path.with_name(path.name + _META)
        if metadata:
            write_atomically(meta, json.dumps(metadata).encode())
        else:
            meta.unlink(missing_ok=True)  # a put replaces the metadata too, as on S3
