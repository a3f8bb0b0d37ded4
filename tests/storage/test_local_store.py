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


@pytest.mark.parametrize("key", ["../../etc/passwd", "results/../../../x", "..", "./x", "a//b"])
def test_keys_with_dot_or_empty_segments_stay_in_the_root_as_objects_of_their_own(tmp_path, key):
    """S3 keys are plain strings: `../../etc/passwd` is an object like any other, and a results directory
    must neither write outside its root for it nor refuse it."""
    store = LocalStore(tmp_path / "root")
    ref = ObjectRef("images", key)
    store.put(ref, b"x", "text/plain", {"source-etag": "e"})
    assert store.head(ref).metadata == {"source-etag": "e"}
    assert [o.key for o in store.list_objects("images", "")] == [key]
    assert all(p.is_relative_to(tmp_path / "root") for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(("a", "b"), [("results/a/../b.png.json", "results/b.png.json"),
                                      ("results//b.png.json", "results/b.png.json"),
                                      ("results/./b.png.json", "results/b.png.json"),
                                      ("results/b.png.json.meta.json", "results/b.png.json"),
                                      ("results/b.png.json.tmp", "results/b.png.json"),
                                      ("results/b%2Epng.json", "results/b.png.json"),
                                      ("results/%", "results/")])
def test_distinct_keys_never_share_a_file(tmp_path, a, b):
    """Each of these pairs used to land on one path (or one object on the other's metadata): a result for
    `inputs/a/../b.png` replaced `inputs/b.png`'s, and each event then redid the other's work."""
    store = LocalStore(tmp_path)
    store.put(ObjectRef("images", b), b"B", "application/json", {"source-etag": "b"})
    store.put(ObjectRef("images", a), b"A", "application/json", {"source-etag": "a"})
    assert store.head(ObjectRef("images", b)).metadata == {"source-etag": "b"}
    assert store.head(ObjectRef("images", a)).metadata == {"source-etag": "a"}
    assert sorted(o.key for o in store.list_objects("images", "results/")) == sorted([a, b])


def test_ordinary_keys_keep_their_names_on_disk(tmp_path):
    LocalStore(tmp_path).put(ObjectRef("images", "results/狗 1 #2.png.json"), b"{}", "application/json")
    assert (tmp_path / "images" / "results" / "狗 1 #2.png.json").read_bytes() == b"{}"


def test_a_key_needing_a_folder_where_a_file_is_is_a_clear_error(tmp_path):
    store = LocalStore(tmp_path)
    store.put(ObjectRef("images", "results/a.png.json"), b"{}", "application/json")
    with pytest.raises(StorageError) as info:
        store.put(ObjectRef("images", "results/a.png.json/b.png.json"), b"{}", "application/json")
    assert info.value.code == "invalid_key" and "folder" in info.value.message
    with pytest.raises(StorageError) as info:
        store.put(ObjectRef("images", "results"), b"{}", "application/json")
    assert info.value.code == "invalid_key"


def test_a_key_segment_too_long_for_a_file_name_is_a_clear_error(tmp_path):
    with pytest.raises(StorageError) as info:
        LocalStore(tmp_path).put(ObjectRef("images", "results/" + "狗" * 100 + ".json"), b"{}", "application/json")
    assert info.value.code == "invalid_key" and "too long" in info.value.message


def test_a_symlink_inside_the_root_cannot_lead_writes_out_of_it(tmp_path):
    (tmp_path / "root" / "images").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "root" / "images" / "results").symlink_to(tmp_path / "outside")
    with pytest.raises(StorageError):
        LocalStore(tmp_path / "root").put(ObjectRef("images", "results/x.json"), b"x", "text/plain")
    assert not list((tmp_path / "outside").iterdir())


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
    assert [o.key for o in listed] == ["results/a.png.json", "results/sub/c.png.json"]
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



def test_touch_moves_a_result_forward_in_listings_and_keeps_it_and_its_metadata(tmp_path):
    import os

    store = LocalStore(tmp_path)
    ref = ObjectRef("b", "results/a.png.json")
    store.put(ref, b"{}", "application/json", {"source-etag": "e"})
    path = tmp_path / "b" / "results" / "a.png.json"
    os.utime(path, (1_000_000, 1_000_000))
    store.touch(ref, store.head(ref))
    (listed,) = store.list_objects("b", "results/")
    assert listed.modified > 1_000_000
    assert path.read_bytes() == b"{}" and store.head(ref).metadata == {"source-etag": "e"}


def test_delete_removes_the_object_and_its_metadata_and_a_missing_object_is_no_error(tmp_path):
    store = LocalStore(tmp_path)
    ref, other = ObjectRef("images", "results/a.png.failed"), ObjectRef("images", "results/a.png.json")
    store.put(ref, b"{}", "application/json", {"source-key": "inputs/a.png"})
    store.put(other, b"{}", "application/json", {"source-etag": "e"})
    store.delete(ref)
    assert store.head(ref) is None and [o.key for o in store.list_objects("images", "")] == [other.key]
    store.put(ref, b"{}", "application/json")
    assert store.head(ref).metadata == {}  # no sidecar of the deleted object came back
    store.delete(ref)
    store.delete(ref)
