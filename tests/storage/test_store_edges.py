"""ObjectStore at its edges against a real S3 server (SeaweedFS): keys no store accepts are the caller's
mistake, named before any request, and a bucket that does not exist is said to be missing as a bucket."""

from __future__ import annotations

import time

import pytest

from sam3fn.claims import ClaimStore
from sam3fn.storage import (BucketNotFound, ObjectNotFound, ObjectRef, ObjectStore, StorageError,
                            StorageUnavailable, parse_s3_url)

BUCKET = "edges"


@pytest.fixture
def store(seaweed):
    return ObjectStore(seaweed.endpoint, client=seaweed.client())


def missing_bucket() -> str:
    return f"nobucket-{time.monotonic_ns()}"


@pytest.mark.parametrize("url", ["s3://images/inputs/a.png\x00", "s3://images/inputs/\x00/a.png",
                                 "s3://images/inputs/a\ud800.png", "s3://images/inputs/" + "k" * 1018])
def test_s3_url_whose_key_no_store_accepts_is_an_invalid_s3_url(url):
    with pytest.raises(StorageError) as info:
        parse_s3_url(url)
    assert info.value.code == "invalid_s3_url"


def test_s3_url_with_nul_says_so():
    with pytest.raises(StorageError) as info:
        parse_s3_url("s3://images/inputs/a.png\x00")
    assert "NUL" in info.value.message


@pytest.mark.parametrize("key", ["inputs/tab\tand\nnewline.png", "inputs/\x01\x1f\x7f.png",
                                 "inputs/" + ("k" * 200 + "/") * 5 + "k" * 12])  # 1,024 bytes
def test_keys_with_control_characters_or_at_the_length_limit_stay_valid(store, key):
    ref = parse_s3_url(f"s3://{BUCKET}/{key}")
    assert ref.key == key
    store.put(ref, b"x", "application/octet-stream")
    assert store.get(ref, 10)[0] == b"x"


@pytest.mark.parametrize("operation", ["head", "get", "put", "delete"])
def test_a_nul_key_is_refused_before_it_is_sent_as_the_callers_mistake(store, operation):
    """The store answers 400 InvalidRequest, which came back as a 502 storage_error: "the store refused"."""
    ref = ObjectRef(BUCKET, "inputs/a.png\x00")
    call = {"head": lambda: store.head(ref), "get": lambda: store.get(ref, 10),
            "put": lambda: store.put(ref, b"x", "image/png"), "delete": lambda: store.delete(ref)}[operation]
    with pytest.raises(StorageError) as info:
        call()
    assert info.value.code == "invalid_key" and "NUL" in info.value.message


def test_a_key_too_long_for_the_store_is_invalid_key_not_a_store_failure(store):
    # SeaweedFS takes 255 bytes a path segment; the store's own KeyTooLongError is permanent, the key's fault
    with pytest.raises(StorageError) as info:
        store.put(ObjectRef(BUCKET, "results/" + "k" * 300 + ".json"), b"{}", "application/json")
    assert info.value.code == "invalid_key" and not isinstance(info.value, StorageUnavailable)


def test_a_claim_key_too_long_for_the_store_leaves_cross_replica_claims_on(store):
    """One key the store refuses says nothing of the store's conditional writes: it used to turn claims off
    for every later event of the process."""
    claims = ClaimStore(store, 300, "pod")
    with pytest.raises(StorageError) as info:
        claims.acquire(ObjectRef(BUCKET, "results/" + "k" * 300 + ".claim"), "etag")
    assert info.value.code == "invalid_key"
    assert claims.claims_on(BUCKET)
    assert claims.acquire(ObjectRef(BUCKET, f"results/{time.monotonic_ns()}.claim"), "etag").claim_etag


def test_listing_a_bucket_that_does_not_exist_is_bucket_not_found(store):
    bucket = missing_bucket()
    with pytest.raises(BucketNotFound) as info:
        list(store.list_objects(bucket, "results/"))
    assert info.value.code == "bucket_not_found"
    assert info.value.message == f"the bucket {bucket!r} does not exist in the store"


def test_reading_from_a_bucket_that_does_not_exist_is_bucket_not_found(store):
    bucket = missing_bucket()
    with pytest.raises(BucketNotFound) as info:
        store.get(ObjectRef(bucket, "inputs/a.png"), 10)
    assert info.value.code == "bucket_not_found"
    assert isinstance(info.value, ObjectNotFound)  # whoever handles a missing object handles this too
    assert store.head(ObjectRef(bucket, "inputs/a.png")) is None  # a HEAD's bare 404 cannot tell the two apart


class _CloudStorageClient:
    """What boto3 gives for a HEAD or GET on Cloud Storage's S3-compatible endpoint: the user metadata comes
    as x-goog-meta-* headers, which botocore does not read into `Metadata`."""

    def head_object(self, **_):
        headers = {"etag": '"e1"', "x-goog-meta-prompts": "dog,%E7%8B%97", "x-goog-meta-source-version": "v1"}
        return {"ETag": '"e1"', "ContentLength": 1, "Metadata": {}, "ResponseMetadata": {"HTTPHeaders": headers}}

    def get_object(self, **_):
        import io

        return {**self.head_object(), "Body": io.BytesIO(b"x")}


def test_cloud_storage_user_metadata_headers_are_read_as_metadata():
    """On Cloud Storage an object's prompts, and the source version a result records, were never seen: every
    image ran with the default prompts and every redelivery ran the model again."""
    store = ObjectStore("https://storage.googleapis.com", client=_CloudStorageClient())
    ref = ObjectRef("images", "inputs/a.png")
    expected = {"prompts": "dog,%E7%8B%97", "source-version": "v1"}
    assert store.head(ref).metadata == expected
    assert store.get(ref, 10)[1].metadata == expected
