"""The local results store: same head/put contract as S3, atomic writes, and no way out of its root."""

from __future__ import annotations

import pytest

from sam3fn.storage import LocalStore, ObjectRef, StorageError, parse_s3_url


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


@pytest.mark.parametrize("url", ["s3://bucket", "http://bucket/key", "s3:///key", "bucket/key"])
def test_bad_s3_urls_are_refused(url):
    with pytest.raises(StorageError) as info:
        parse_s3_url(url)
    assert info.value.code == "invalid_s3_url"


def test_s3_url_keeps_the_whole_key():
    ref = parse_s3_url("s3://images/inputs/a/b c.jpg")
    assert (ref.bucket, ref.key) == ("images", "inputs/a/b c.jpg")


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
