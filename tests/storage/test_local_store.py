"""The local results store: same head/put contract as S3, atomic writes, and no way out of its root."""

from __future__ import annotations

import pytest

import boto3

from sam3fn.storage import LocalStore, ObjectRef, ObjectStore, StorageError, StorageUnavailable, parse_s3_url


def test_put_then_head_returns_size_and_metadata(tmp_path):
    store = LocalStore(tmp_path)
    ref = ObjectRef("images", "results/a b.png.json")
    assert store.head(ref) is None
    store.put(ref, b"{}", "application/json", {"source-etag": "abc"})
    info = store.head(ref)
    assert info.size == 2 and info.metadata == {"source-etag": "abc"}
    assert (tmp_path / "images" / "results" / "a b.png.json").read_bytes() == b"{}"
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("key", ["../../etc/passwd", "results/../../../x"])
def test_keys_cannot_escape_the_root(tmp_path, key):
    with pytest.raises(StorageError):
        LocalStore(tmp_path / "root").put(ObjectRef("images", key), b"x", "text/plain")
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x").exists()


@pytest.mark.parametrize("url", ["s3://bucket", "http://bucket/key", "s3:///key", "bucket/key",
                                 "s3://My_Photos!/a.png", "s3://images:9000/a.png", "s3://bücket/k"])
def test_bad_s3_urls_are_refused(url):
    with pytest.raises(StorageError) as info:
        parse_s3_url(url)
    assert info.value.code == "invalid_s3_url"


@pytest.mark.parametrize(("url", "key"), [("s3://images/inputs/a/b c.jpg", "inputs/a/b c.jpg"),
                                          ("s3://images/inputs/photo #1.png", "inputs/photo #1.png"),
                                          ("S3://images/what?.png", "what?.png")])
def test_s3_url_keeps_the_whole_key_as_written(url, key):
    ref = parse_s3_url(url)
    assert (ref.bucket, ref.key) == ("images", key)


def test_bucket_name_botocore_refuses_is_the_callers_mistake_not_an_outage():
    # botocore validates the name before sending: without this sorting it was a BotoCoreError, i.e. "retry later"
    store = ObjectStore("http://127.0.0.1:9", client=_client())
    with pytest.raises(StorageError) as info:
        store.get(ObjectRef("bad!name", "k.png"), 1000)
    assert info.value.code == "invalid_request" and not isinstance(info.value, StorageUnavailable)


def test_missing_credentials_say_so_instead_of_blaming_the_store(monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = ObjectStore("http://127.0.0.1:9", client=boto3.session.Session().client(
        "s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1"))
    with pytest.raises(StorageUnavailable) as info:
        store.get(ObjectRef("images", "k.png"), 1000)
    assert "no S3 credentials" in info.value.message


def _client():
    return boto3.session.Session().client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                                          aws_access_key_id="any", aws_secret_access_key="any")


def test_list_objects_gives_the_results_under_a_prefix_with_their_times(tmp_path):
    store = LocalStore(tmp_path)
    store.put(ObjectRef("b", "results/a.png.json"), b"{}", "application/json", {"source-etag": "e"})
    store.put(ObjectRef("b", "results/sub/c.png.json"), b"{}", "application/json")
    store.put(ObjectRef("b", "other/d.png.json"), b"{}", "application/json")
    (tmp_path / "b" / "results" / "e.png.json.tmp").write_bytes(b"half")
    listed = list(store.list_objects("b", "results/"))
    assert [o.key for o in listed] == ["results/a.png.json", "results/a.png.json.meta.json", "results/sub/c.png.json"]
    assert all(o.modified > 0 for o in listed)
    assert list(store.list_objects("nobucket", "results/")) == []


def test_a_put_that_fails_before_its_commit_leaves_the_previous_object_and_metadata_together(tmp_path, monkeypatch):
    """The result's metadata (its source ETag) says whether an event is done: a write that dies before the
    result is in place (crash, full disk) must not leave the new ETag beside the old result, or the new
    version would count as done with the old version's result."""
    from pathlib import Path

    store = LocalStore(tmp_path)
    ref = ObjectRef("images", "results/a.png.json")
    store.put(ref, b'{"v": 1}', "application/json", {"source-etag": "v1"})
    real_replace = Path.replace

    def dies_at_the_rename(self, target):
        if Path(target).name == "a.png.json":
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", dies_at_the_rename)
    with pytest.raises(OSError):
        store.put(ref, b'{"v": 2}', "application/json", {"source-etag": "v2"})
    monkeypatch.setattr(Path, "replace", real_replace)
    assert store.head(ref).metadata == {"source-etag": "v1"}
    assert (tmp_path / "images" / "results" / "a.png.json").read_bytes() == b'{"v": 1}'

