"""Bucket events against a real S3 server (SeaweedFS on loopback): results written once, no loops,
bad objects recorded, transient failures retried by the producer."""

from __future__ import annotations

import io
import json
import time
from urllib.parse import quote

import httpx
import numpy as np
import pytest
from PIL import Image

from support.images import encode, scene_pixels
from support.seaweed import SeaweedFS
from support.server import Server, free_port


def s3_record(bucket: str, key: str, event: str = "ObjectCreated:Put") -> dict:
    from urllib.parse import quote_plus

    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event,
                         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/"), "size": 1}}}]}


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    buckets = ["images", "private", "swept", "paged", "poisoned", "reprompted", "resent", "starved", "failing"]
    with SeaweedFS(tmp_path_factory.mktemp("seaweed"), buckets=buckets) as store:
        yield store


def created(key: str, bucket: str = "images"):
    """The 'created' event a producer sends for `key`."""
    from sam3fn.events import CREATED, ObjectEvent

    return ObjectEvent(bucket=bucket, key=key, kind=CREATED, dialect="test")


def like(store, kind):
    """`kind`, an ObjectStore subclass that injects a fault, on `store`'s endpoint, buckets and client."""
    return kind(store.endpoint, sorted(store.allowed), client=store.client)


def unique(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


def uploaded(s3, name: str, seed: int = 0, metadata: dict | None = None) -> str:
    """The key of a new scene image put under images/inputs/, named `name` plus a unique suffix."""
    key = f"inputs/{unique(name)}.png"
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=seed)), Metadata=metadata or {})
    return key


def test_created_image_is_segmented_once_and_redelivery_does_no_work(events_client, seaweed):
    s3 = seaweed.client()
    key = uploaded(s3, "street scene", metadata={"prompts": "dog,tree"})
    first = events_client.post("/v1/events", json=s3_record("images", key))
    assert first.status_code == 200, first.text
    [outcome] = first.json()["outcomes"]
    assert outcome["status"] == "processed"
    stem = "results/" + key[len("inputs/"):]
    doc = json.loads(s3.get_object(Bucket="images", Key=stem + ".json")["Body"].read())
    assert [r["prompt"] for r in doc["results"]] == ["dog", "tree"]
    assert doc["source"]["etag"] == s3.head_object(Bucket="images", Key=key)["ETag"].strip('"')
    assert doc["engine"]["backend"] == "eager" and doc["engine"]["random_weights"] is True
    assert doc["timings"]["image_encode_ms"] > 0
    assert s3.get_object(Bucket="images", Key=stem + ".overlay.png")["Body"].read()[:4] == b"\x89PNG"
    runs = events_client.app.state.runtime.pipeline.segmenter.image_cache.misses
    again = events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]
    assert again["status"] == "duplicate"
    assert events_client.app.state.runtime.pipeline.segmenter.image_cache.misses == runs


def test_a_large_photo_dropped_in_the_bucket_gets_an_overlay_of_its_own_size(events_client, seaweed):
    s3 = seaweed.client()
    key = f"inputs/{unique('phone photo')}.jpg"  # 480 x 360: decoded halved for the tiny model, whole to draw on
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(360, 480, seed=9), "JPEG"))
    [outcome] = events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"]
    assert outcome["status"] == "processed", outcome
    stem = "results/" + key[len("inputs/"):]
    doc = json.loads(s3.get_object(Bucket="images", Key=stem + ".json")["Body"].read())
    assert (doc["image"]["width"], doc["image"]["height"]) == (480, 360)
    overlay = Image.open(io.BytesIO(s3.get_object(Bucket="images", Key=stem + ".overlay.png")["Body"].read()))
    assert overlay.size == (480, 360)


def test_overwritten_object_with_a_new_etag_is_processed_again(events_client, seaweed):
    s3 = seaweed.client()
    key = uploaded(s3, "overwrite", seed=1)
    assert events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]["status"] == "processed"
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=2)))
    assert events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]["status"] == "processed"


def test_object_overwritten_between_head_and_get_is_claimed_by_the_version_read(events_client, seaweed):
    """A real overwrite lands between the processor's HEAD and GET: the job is for the bytes it read, and a
    second delivery for that new version must see it in flight (not process it a second time)."""
    from sam3fn.storage import ObjectStore

    s3 = seaweed.client()
    key = uploaded(s3, "racing", seed=3)
    processor = events_client.app.state.runtime.processor

    class OverwrittenAfterHead(ObjectStore):
        overwrites = 1

        def head(self, ref):
            info = super().head(ref)
            if self.overwrites:
                self.overwrites -= 1
                s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=4)))
            return info

    store = processor.store
    processor.store = like(store, OverwrittenAfterHead)
    try:
        event = created(key)
        job = processor.prepare(event)
        new_etag = s3.head_object(Bucket="images", Key=key)["ETag"].strip('"')
        assert job.etag == new_etag
        second = processor.prepare(event)
        assert second.status == "duplicate" and "being processed" in second.reason
        outcome = processor.finish(job, processor.infer(job))
        assert outcome.status == "processed"
        assert processor.prepare(event).status == "duplicate"  # done, and nothing left claimed in flight
        assert not processor._in_flight
    finally:
        processor.store = store


def test_two_replicas_given_the_same_event_at_once_segment_it_once(events_client, seaweed):
    """Each pod's in-flight set is its own; the claim object in the bucket is what the second pod sees."""
    from sam3fn.claims import ClaimStore
    from sam3fn.triggers import EventProcessor, Job

    s3 = seaweed.client()
    key = uploaded(s3, "two pods", seed=5)
    here = events_client.app.state.runtime.processor
    other_pod = EventProcessor(here.pipeline, here.store, here.results, input_prefix=here.input_prefix,
                               output_prefix=here.output_prefix, default_prompts=["dog"], max_bytes=here.max_bytes,
                               identity=here.identity, claims=ClaimStore(here.store, 300, "other-pod"))
    event = created(key)
    job = here.prepare(event)
    assert isinstance(job, Job)
    refused = other_pod.prepare(event)
    assert refused.status == "duplicate" and "another replica" in refused.reason
    assert here.finish(job, here.infer(job)).status == "processed"
    after = other_pod.prepare(event)
    assert after.status == "duplicate" and after.reason == "already processed"
    listed = s3.list_objects_v2(Bucket="images", Prefix="results/" + key[len("inputs/"):])["Contents"]
    assert sorted(o["Key"][len("results/"):] for o in listed) == [key[7:] + ".json", key[7:] + ".overlay.png"]


def test_own_outputs_and_keys_outside_the_input_prefix_are_skipped(events_client):
    r = events_client.post("/v1/events", json=s3_record("images", "results/x.png.json"))
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "skipped"
    assert "loop" in r.json()["outcomes"][0]["reason"]
    other = events_client.post("/v1/events", json=s3_record("images", "elsewhere/x.png")).json()["outcomes"][0]
    assert other["status"] == "skipped"


def test_non_image_object_gets_an_error_result_and_a_2xx(events_client, seaweed):
    s3 = seaweed.client()
    key = f"inputs/{unique('notes')}.png"
    s3.put_object(Bucket="images", Key=key, Body=b"these are not pixels")
    r = events_client.post("/v1/events", json=s3_record("images", key))
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "error_recorded"
    doc = json.loads(s3.get_object(Bucket="images", Key="results/" + key[7:] + ".json")["Body"].read())
    assert doc["error"]["code"] == "invalid_image"
    assert events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]["status"] == "duplicate"


def test_prompts_joining_things_get_an_error_result_naming_the_prompts_to_upload_with(events_client, seaweed):
    s3 = seaweed.client()
    key = uploaded(s3, "pets", metadata={"prompts": quote("狗和猫")})  # S3 metadata is ASCII: percent-encoded
    r = events_client.post("/v1/events", json=s3_record("images", key))
    assert r.json()["outcomes"][0]["status"] == "error_recorded"
    doc = json.loads(s3.get_object(Bucket="images", Key="results/" + key[7:] + ".json")["Body"].read())
    assert doc["error"]["code"] == "several_things"
    parts = [{"text": "狗", "english": "dog"}, {"text": "猫", "english": "cat"}]
    assert doc["error"]["joined"] == [{"prompt": "狗和猫", "parts": parts}]


def test_object_over_the_size_limit_gets_an_error_result_and_does_not_block_the_rest(make_client, s3_env):
    """An oversized upload is a property of the object, not a passing failure: answering 413 would make the
    producer redeliver it forever (or drop it) and abort the other records of the delivery and every sweep."""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["images"], default_prompts=["dog"],
                         max_body_bytes=300_000)
    s3 = s3_env.client()
    big, small = f"inputs/{unique('huge')}.png", f"inputs/{unique('fine')}.png"
    noise = np.random.default_rng(0).integers(0, 255, (400, 400, 3), dtype=np.uint8)
    s3.put_object(Bucket="images", Key=big, Body=encode(noise))
    s3.put_object(Bucket="images", Key=small, Body=encode(scene_pixels()))
    both = {"Records": s3_record("images", big)["Records"] + s3_record("images", small)["Records"]}
    r = client.post("/v1/events", json=both)
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()["outcomes"]] == ["error_recorded", "processed"], r.text
    doc = json.loads(s3.get_object(Bucket="images", Key="results/" + big[7:] + ".json")["Body"].read())
    assert doc["error"]["code"] == "object_too_large" and "300,000" in doc["error"]["message"]
    again = client.post("/v1/events", json=both).json()["outcomes"]
    assert [o["status"] for o in again] == ["duplicate", "duplicate"]


def test_bucket_not_allowed_is_403_and_nothing_is_written(events_client, seaweed):
    s3 = seaweed.client()
    key = f"inputs/{unique('p')}.png"
    s3.put_object(Bucket="private", Key=key, Body=encode(scene_pixels()))
    r = events_client.post("/v1/events", json=s3_record("private", key))
    assert r.status_code == 403 and r.json()["error"]["code"] == "bucket_not_allowed"
    assert "Contents" not in s3.list_objects_v2(Bucket="private", Prefix="results/")


def test_store_unreachable_is_503_so_the_producer_redelivers(make_client, s3_env):
    client = make_client(s3_endpoint=f"http://127.0.0.1:{free_port()}")
    r = client.post("/v1/events", json=s3_record("images", "inputs/a.png"))
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable"
    assert r.headers["retry-after"]


def test_sweep_processes_objects_whose_events_were_lost_and_only_those(events_client, seaweed):
    s3 = seaweed.client()
    keys = [f"inputs/{unique('lost')}-{i}.png" for i in range(2)]
    for key in keys:
        s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=len(key))))
    r = events_client.post("/v1/events/sweep", params={"bucket": "images"})
    assert r.status_code == 200, r.text
    first = {o["key"]: o["status"] for o in r.json()["outcomes"]}
    assert [first[k] for k in keys] == ["processed", "processed"]
    assert all(k.startswith("inputs/") for k in first)  # results/ is never swept
    again = {o["key"]: o["status"] for o in events_client.post("/v1/events/sweep", params={"bucket": "images"}).json()["outcomes"]}
    assert not set(keys) & set(again), "finished inputs are not even looked at"
    bad = events_client.post("/v1/events/sweep", params={"bucket": "images", "limit": 0})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    denied = events_client.post("/v1/events/sweep", params={"bucket": "private"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "bucket_not_allowed"


def test_sweep_goes_past_an_object_the_store_will_not_serve(make_client, s3_env):
    """An SSE-C object cannot be read without its customer key (SeaweedFS answers 400, as S3 does): the
    sweep reports it as failed and still processes the objects after it, instead of stopping there on
    every run."""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["swept"], default_prompts=["dog"])
    s3 = s3_env.client()
    locked, fine = f"inputs/a-{unique('locked')}.png", f"inputs/b-{unique('fine')}.png"
    s3.put_object(Bucket="swept", Key=locked, Body=encode(scene_pixels()), SSECustomerAlgorithm="AES256",
                  SSECustomerKey=b"k" * 32)
    s3.put_object(Bucket="swept", Key=fine, Body=encode(scene_pixels(seed=6)))
    r = client.post("/v1/events/sweep", params={"bucket": "swept"})
    assert r.status_code == 200, r.text
    outcomes = {o["key"]: o for o in r.json()["outcomes"]}
    assert outcomes[locked]["status"] == "failed" and outcomes[locked]["reason"] == "storage_error"
    assert outcomes[fine]["status"] == "processed"
    again = {o["key"]: o["status"] for o in client.post("/v1/events/sweep", params={"bucket": "swept"}).json()["outcomes"]}
    assert again == {locked: "failed"}  # never recorded as done: retried on every sweep
    direct = client.post("/v1/events", json=s3_record("swept", locked))
    assert direct.status_code >= 400 and direct.json()["error"]["code"] == "storage_error"  # a producer retries


def test_objects_that_fail_on_every_sweep_do_not_starve_the_inputs_listed_after_them(make_client, s3_env):
    """Two objects the store never serves filled a sweep's limit of 2 on every run, and the input listed
    after them, whose event was lost, was never processed. Each failure is now recorded beside where its
    result goes (why, for the operator), and later sweeps try those objects after the rest."""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["starved"], default_prompts=["dog"])
    s3 = s3_env.client()
    tag = unique("starved")
    locked, lost = [f"inputs/a-{tag}.png", f"inputs/b-{tag}.png"], f"inputs/c-{tag}.png"
    for key in locked:
        s3.put_object(Bucket="starved", Key=key, Body=encode(scene_pixels()), SSECustomerAlgorithm="AES256",
                      SSECustomerKey=b"k" * 32)
    s3.put_object(Bucket="starved", Key=lost, Body=encode(scene_pixels(seed=8)))
    record_of = {key: "results/" + key[len("inputs/"):] + ".failed" for key in locked}

    def sweep() -> dict:
        r = client.post("/v1/events/sweep", params={"bucket": "starved", "limit": 2})
        assert r.status_code == 200, r.text
        return {o["key"]: o["status"] for o in r.json()["outcomes"]}

    assert sweep() == dict.fromkeys(locked, "failed")
    record = json.loads(s3.get_object(Bucket="starved", Key=record_of[locked[0]])["Body"].read())
    assert (record["source"]["key"], record["error"]["code"]) == (locked[0], "storage_error")
    assert sweep() == {lost: "processed", locked[0]: "failed"}
    assert sweep() == dict.fromkeys(locked, "failed")
    time.sleep(1.1)  # listings are to the second: the fixed upload must be newer than its failure record
    s3.put_object(Bucket="starved", Key=locked[0], Body=encode(scene_pixels(seed=9)))
    assert sweep() == {locked[0]: "processed", locked[1]: "failed"}  # a new upload is not held back
    sweep()
    records = {o["Key"] for o in s3.list_objects_v2(Bucket="starved", Prefix="results/")["Contents"]}
    assert record_of[locked[1]] in records and record_of[locked[0]] not in records  # done: its record goes


def test_a_sweep_stops_at_a_store_failure_and_the_next_sweeps_try_that_object_last(make_client, s3_env):
    """The store answers 5xx for one object (a failing disk, say) or for all of them (an outage). Each sweep
    used to retry every object left, each failure waiting out boto's retries, and answer 200. It now stops
    at the first such failure with a 503 (a CronJob sees the outage), after recording it, so the next
    sweeps process the other inputs first instead of stopping at the same object every time."""
    from sam3fn.storage import ObjectStore, StorageUnavailable

    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["failing"], default_prompts=["dog"])
    s3 = s3_env.client()
    tag = unique("failing")
    sick, others = f"inputs/a-{tag}.png", [f"inputs/b-{tag}.png", f"inputs/c-{tag}.png"]
    for i, key in enumerate([sick, *others]):
        s3.put_object(Bucket="failing", Key=key, Body=encode(scene_pixels(seed=50 + i)))
    looked_at = []

    class SickDisk(ObjectStore):
        def head(self, ref):
            looked_at.append(ref.key)
            if ref.key == sick:
                raise StorageUnavailable(f"the store failed on {ref} (InternalError); retry later")
            return super().head(ref)

    processor = client.app.state.runtime.processor
    processor.store = like(processor.store, SickDisk)
    r = client.post("/v1/events/sweep", params={"bucket": "failing"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_unavailable", r.text
    assert r.headers["retry-after"] and looked_at == [sick]  # stopped there: the others wait for the next sweep
    record = json.loads(s3.get_object(Bucket="failing", Key=f"results/a-{tag}.png.failed")["Body"].read())
    assert record["error"]["code"] == "storage_unavailable"
    r = client.post("/v1/events/sweep", params={"bucket": "failing"})
    assert r.status_code == 503
    done = {o["Key"] for o in s3.list_objects_v2(Bucket="failing", Prefix="results/")["Contents"]}
    assert {"results/" + k[len("inputs/"):] + ".json" for k in others} <= done


def test_sweep_goes_past_an_object_that_fails_in_an_unforeseen_way(make_client, s3_env, monkeypatch):
    """Not only our own errors: an object that makes the pipeline raise anything else used to end the whole
    sweep in a 500 at that key, on every run, so the inputs listed after it were never swept. (Found with a
    JPEG whose damaged EXIF made PIL raise TypeError, since fixed in the decoder; the fault is injected here
    so the sweep keeps being tested against the next such surprise.)"""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["poisoned"], default_prompts=["dog"])
    s3 = s3_env.client()
    broken, fine = f"inputs/c-{unique('breaks it')}.png", f"inputs/d-{unique('after it')}.png"
    s3.put_object(Bucket="poisoned", Key=broken, Body=encode(scene_pixels(seed=6)))
    s3.put_object(Bucket="poisoned", Key=fine, Body=encode(scene_pixels(seed=7)))
    processor = client.app.state.runtime.processor
    infer = processor.infer

    def infer_or_break(job):
        if job.event.key == broken:
            raise TypeError("a fault nobody foresaw")
        return infer(job)

    monkeypatch.setattr(processor, "infer", infer_or_break)
    r = client.post("/v1/events/sweep", params={"bucket": "poisoned"})
    assert r.status_code == 200, r.text
    outcomes = {o["key"]: o for o in r.json()["outcomes"]}
    assert (outcomes[broken]["status"], outcomes[broken]["reason"]) == ("failed", "internal_error")
    assert outcomes[fine]["status"] == "processed"
    assert not client.app.state.runtime.processor._in_flight
    assert not [o["Key"] for o in s3.list_objects_v2(Bucket="poisoned", Prefix="results/").get("Contents", [])
                if o["Key"].endswith(".claim")]


def test_sweeps_reach_every_input_past_the_limit_and_skip_inputs_with_newer_results(make_client, s3_env):
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["paged"], default_prompts=["dog"])
    s3 = s3_env.client()
    keys = [f"inputs/{i}-{unique('page')}.png" for i in range(3)]
    for i, key in enumerate(keys):
        s3.put_object(Bucket="paged", Key=key, Body=encode(scene_pixels(seed=10 + i)))

    def sweep(limit: int) -> tuple[dict, int]:
        r = client.post("/v1/events/sweep", params={"bucket": "paged", "limit": limit})
        assert r.status_code == 200, r.text
        return {o["key"]: o["status"] for o in r.json()["outcomes"]}, r.json()["remaining"]

    assert sweep(2) == ({keys[0]: "processed", keys[1]: "processed"}, 1)
    assert sweep(2) == ({keys[2]: "processed"}, 0)  # the first two have newer results: not even a HEAD
    assert sweep(2) == ({}, 0)
    time.sleep(1.1)  # listings are to the second: an overwrite must land in a later second to look newer
    s3.put_object(Bucket="paged", Key=keys[1], Body=encode(scene_pixels(seed=20)))
    assert sweep(2) == ({keys[1]: "processed"}, 0)


def test_inputs_uploaded_again_unchanged_do_not_starve_a_lost_event_behind_them(make_client, s3_env):
    """A sync tool puts unchanged files again: each is newer than its result, so the sweep lists it, finds
    it done, and (before) left it so, listing it again on every sweep. Two of them filled a sweep's limit of
    2 for good and the object behind them, whose event was lost, was never processed."""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["resent"], default_prompts=["dog"])
    s3 = s3_env.client()
    tag = unique("resent")
    done = [f"inputs/a-{tag}.png", f"inputs/b-{tag}.png"]
    for i, key in enumerate(done):
        s3.put_object(Bucket="resent", Key=key, Body=encode(scene_pixels(seed=40 + i)), Metadata={"prompts": "dog"})

    def sweep() -> dict:
        r = client.post("/v1/events/sweep", params={"bucket": "resent", "limit": 2})
        assert r.status_code == 200, r.text
        return {o["key"]: o["status"] for o in r.json()["outcomes"]}

    assert sweep() == dict.fromkeys(done, "processed")
    time.sleep(1.1)  # listings are to the second: the uploads again must land in a later second to look newer
    for i, key in enumerate(done):
        s3.put_object(Bucket="resent", Key=key, Body=encode(scene_pixels(seed=40 + i)), Metadata={"prompts": "dog"})
    lost = f"inputs/c-{tag}.png"  # its event never arrived
    s3.put_object(Bucket="resent", Key=lost, Body=encode(scene_pixels(seed=42)))
    assert sweep() == dict.fromkeys(done, "duplicate")
    assert sweep() == {lost: "processed"}
    assert sweep() == {}
    meta = s3.head_object(Bucket="resent", Key="results/" + done[0][len("inputs/"):] + ".json")
    assert meta["ContentType"] == "application/json" and meta["Metadata"]["source-etag"]  # touched, not changed


def test_segment_reads_an_s3_image(events_client, seaweed):
    key = uploaded(seaweed.client(), "direct")
    r = events_client.post("/v1/segment", json={"image": {"s3": f"s3://images/{key}"}, "prompts": ["dog"]})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", ["photo #1.png", "what?.png"])
def test_s3_url_key_may_hold_hash_and_question_mark(events_client, seaweed, name):
    # Both are plain characters in S3 keys (the AWS CLI reads s3://b/photo #1.png so); a URL parser used to
    # cut the key there and read (or miss) another object.
    key = f"inputs/{unique('odd')}-{name}"
    seaweed.client().put_object(Bucket="images", Key=key, Body=encode(scene_pixels()))
    r = events_client.post("/v1/segment", json={"image": {"s3": f"s3://images/{key}"}, "prompts": ["dog"]})
    assert r.status_code == 200, r.text
    r = events_client.post("/api/predict", json={"prompt": "dog", "image_path": f"S3://images/{key}"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("url,status,code", [
    ("s3://images/inputs/does-not-exist.png", 404, "object_not_found"),
    ("s3://private/inputs/x.png", 403, "bucket_not_allowed"),
])
def test_segment_s3_errors(events_client, url, status, code):
    r = events_client.post("/v1/segment", json={"image": {"s3": url}, "prompts": ["dog"]})
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_wrong_credentials_are_access_denied(make_client, s3_env, monkeypatch, seaweed):
    key = uploaded(seaweed.client(), "denied")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    client = make_client(s3_endpoint=seaweed.endpoint)
    r = client.post("/v1/segment", json={"image": {"s3": f"s3://images/{key}"}, "prompts": ["dog"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "access_denied"


def test_putting_an_image_into_the_bucket_produces_results_with_no_other_action(tmp_path, tiny_model_dir):
    """End to end: real server process, real S3 server, the store's own webhook as the trigger."""
    server = Server({"SAM3FN_MODEL_DIR": str(tiny_model_dir), "SAM3FN_DEVICE": "cpu", "SAM3FN_EVENTS_TOKEN": "evt",
                     "SAM3FN_DEFAULT_PROMPTS": "dog", "SAM3FN_ARGOS_HOME": str(tmp_path / "argos")},
                    tmp_path / "server.log")
    with SeaweedFS(tmp_path / "weed", webhook_url=server.url + "/v1/events", webhook_token="evt",
                   buckets=["images"]) as store:
        server.env.update({"SAM3FN_S3_ENDPOINT": store.endpoint, "AWS_ACCESS_KEY_ID": store.access_key,
                           "AWS_SECRET_ACCESS_KEY": store.secret_key, "AWS_DEFAULT_REGION": store.region})
        with server:
            s3 = store.client()
            s3.put_object(Bucket="images", Key="inputs/photo 1.png", Body=encode(scene_pixels()),
                          Metadata={"prompts": quote("dog,狗")})
            deadline = time.monotonic() + 60
            doc = None
            while time.monotonic() < deadline and doc is None:
                try:
                    doc = json.loads(s3.get_object(Bucket="images", Key="results/photo 1.png.json")["Body"].read())
                except s3.exceptions.NoSuchKey:
                    time.sleep(0.3)
            assert doc is not None, server.logs()[-3000:]
            assert [(r["prompt"], r["model_prompt"]) for r in doc["results"]] == [("dog", "dog"), ("狗", "dog")]
            assert s3.head_object(Bucket="images", Key="results/photo 1.png.overlay.png")["ContentLength"] > 0
            time.sleep(2)  # let the store deliver the events for our own outputs, which must be ignored
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="images")["Contents"]]
            assert sorted(keys) == ["inputs/photo 1.png", "results/photo 1.png.json", "results/photo 1.png.overlay.png"]
            assert httpx.get(server.url + "/healthz").status_code == 200
            logs = server.logs()
            assert '"route": "/v1/events"' in logs and "processed:inputs/photo 1.png" in logs


# -- exactly once, adversarially ------------------------------------------------------------------
def other_replica(here, store=None, results=None, claims: bool = True):
    """A second pod's processor: same model and bucket, its own in-flight set and claim owner (or no claims)."""
    from sam3fn.claims import ClaimStore
    from sam3fn.triggers import EventProcessor

    store = store or here.store
    return EventProcessor(here.pipeline, store, results or here.results, input_prefix=here.input_prefix,
                          output_prefix=here.output_prefix, default_prompts=["dog"], max_bytes=here.max_bytes,
                          identity=here.identity, claims=ClaimStore(store, 300, "other-pod") if claims else None)


def sweep_processes(processor, key: str, bucket: str = "images") -> None:
    """The sweep lists `key` (it has no up-to-date result) and processing that event writes one."""
    [event] = [e for e in processor.sweep_events(bucket, 10_000)[0] if e.key == key]
    job = processor.prepare(event)
    assert processor.finish(job, processor.infer(job)).status == "processed"


def current_etag(s3, key: str, bucket: str = "images") -> str:
    return s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')


@pytest.mark.parametrize("name", ["狗 在公园", "tab\tand\nnewline"])
def test_keys_that_are_not_plain_ascii_get_their_result(events_client, seaweed, name):
    """S3 metadata is ASCII only: the source key recorded beside the result used to make every write of a
    Chinese (or control-character) key fail after the inference, so the object never got a result and each
    redelivery and sweep ran the model again."""
    from urllib.parse import unquote

    s3 = seaweed.client()
    key = uploaded(s3, name)
    r = events_client.post("/v1/events", json=s3_record("images", key))
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][0]["status"] == "processed"
    result = s3.get_object(Bucket="images", Key="results/" + key[len("inputs/"):] + ".json")
    assert json.loads(result["Body"].read())["source"]["key"] == key
    assert unquote(result["Metadata"]["source-key"]) == key
    assert events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]["status"] == "duplicate"


def test_a_version_overwritten_while_it_was_processed_does_not_replace_the_newer_result(events_client, seaweed):
    """v1 is being processed when v2 lands and is processed (and written) first: v1's late result must not
    win, or the bucket would describe content that is gone and the sweep, seeing a result newer than the
    input, would never process v2 again."""
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key = uploaded(s3, "overtaken", seed=30)
    processor = events_client.app.state.runtime.processor
    event = created(key)
    old = processor.prepare(event)
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=31)))
    new = processor.prepare(event)
    assert isinstance(old, Job) and isinstance(new, Job) and old.etag != new.etag
    assert processor.finish(new, processor.infer(new)).status == "processed"
    late = processor.finish(old, processor.infer(old))
    assert late.status == "skipped" and "changed" in late.reason
    doc = json.loads(s3.get_object(Bucket="images", Key=new.result_ref.key)["Body"].read())
    assert doc["source"]["etag"] == new.etag == current_etag(s3, key)
    assert processor.prepare(event).status == "duplicate" and not processor._in_flight


@pytest.mark.parametrize("results_in", ["bucket", "bucket refusing conditional deletes", "local directory"])
def test_a_newer_version_written_while_the_older_result_was_being_written_is_not_lost(events_client, seaweed,
                                                                                      tmp_path, results_in):
    """v1 passes the check before its writes, then its overlay PUT stalls while v2 is uploaded, processed and
    written. v1's result, landing last, replaced v2's for good: newer than the input, the sweep never looked at
    the object again. It is now taken back, and the sweep writes v2's."""
    from sam3fn.storage import LocalStore, ObjectStore, StorageError

    s3 = seaweed.client()
    key = uploaded(s3, "stalled overlay", seed=32)
    processor = events_client.app.state.runtime.processor
    event = created(key)
    old = processor.prepare(event)
    newer: list = []

    def stall_overlay_while_v2_is_done(ref, metadata):
        if ref == old.overlay_ref and metadata["source-version"] == old.version and not newer:
            s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=33)))
            job = processor.prepare(event)
            newer.append(processor.finish(job, processor.infer(job)))

    class StallingBucket(ObjectStore):
        def put(self, ref, body, content_type, metadata=None, **conditions):
            stall_overlay_while_v2_is_done(ref, metadata)
            return super().put(ref, body, content_type, metadata, **conditions)

    class StallingBucketPlainDeletes(StallingBucket):
        def delete(self, ref, *, if_match=None):
            if if_match is not None:
                raise StorageError(f"{ref}: If-Match on DELETE is not implemented", code="store_unsupported")
            return super().delete(ref)

    class StallingDirectory(LocalStore):
        def put(self, ref, body, content_type, metadata=None):
            stall_overlay_while_v2_is_done(ref, metadata)
            return super().put(ref, body, content_type, metadata)

    results = processor.results
    processor.results = {"bucket": lambda: like(results, StallingBucket),
                         "bucket refusing conditional deletes": lambda: like(results, StallingBucketPlainDeletes),
                         "local directory": lambda: StallingDirectory(tmp_path)}[results_in]()
    try:
        late = processor.finish(old, processor.infer(old))
        assert [o.status for o in newer] == ["processed"]
        assert late.status == "skipped" and "changed" in late.reason
        sweep_processes(processor, key)
        assert processor.results.head(old.result_ref).metadata["source-etag"] == current_etag(s3, key) != old.etag
    finally:
        processor.results = results


def test_an_older_overlay_landing_after_the_newer_one_takes_the_newer_result_back_for_the_sweep(events_client,
                                                                                                seaweed):
    """The writes interleave as v2 overlay, v1 overlay, v1 result, v2 result: the result is v2's, but the
    overlay it names is v1's picture. v1, finding itself superseded, takes the result back, so the sweep
    writes v2's overlay and result again instead of leaving them mismatched for good."""
    import threading

    from sam3fn.storage import ObjectStore

    s3 = seaweed.client()
    key = uploaded(s3, "interleaved", seed=34)
    processor = events_client.app.state.runtime.processor
    event = created(key)
    old = processor.prepare(event)
    v2_overlay_written, v1_result_written, v2_result_written = (threading.Event() for _ in range(3))
    v2: list = []

    def deliver_v2():
        job = processor.prepare(event)
        v2.append(processor.finish(job, processor.infer(job)))

    class Interleaving(ObjectStore):
        def put(self, ref, body, content_type, metadata=None, **conditions):
            mine = metadata["source-version"] == old.version
            if mine and ref == old.overlay_ref:  # v2 arrives; its overlay lands first
                s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=35)))
                threading.Thread(target=deliver_v2).start()
                assert v2_overlay_written.wait(60)
            if not mine and ref == old.result_ref:
                assert v1_result_written.wait(60)
            etag = super().put(ref, body, content_type, metadata, **conditions)
            if not mine:
                (v2_overlay_written if ref == old.overlay_ref else v2_result_written).set()
            if mine and ref == old.result_ref:  # v1's result lands, then v2's
                v1_result_written.set()
                assert v2_result_written.wait(60)
            return etag

    results = processor.results
    processor.results = like(results, Interleaving)
    try:
        late = processor.finish(old, processor.infer(old))
    finally:
        processor.results = results
    assert late.status == "skipped" and [o.status for o in v2] == ["processed"]
    sweep_processes(processor, key)
    result, overlay = (s3.head_object(Bucket="images", Key=ref.key)["Metadata"]["source-etag"]
                       for ref in (old.result_ref, old.overlay_ref))
    assert result == overlay == current_etag(s3, key) != old.etag


def test_a_replica_reading_an_older_version_does_not_take_the_claim_of_the_current_one(events_client, seaweed):
    """Pod B looks at v1; before it claims, v2 lands and pod A claims v2. B's claim for v1 must not take A's
    live claim over (it used to, then read v2 and did it a second time alongside A)."""
    from sam3fn.storage import ObjectStore
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key = uploaded(s3, "old look", seed=32)
    here = events_client.app.state.runtime.processor
    event = created(key)
    claimed_by_here = []

    class OverwrittenAndClaimedAfterHead(ObjectStore):
        def head(self, ref):
            info = super().head(ref)
            if ref.key == key and not claimed_by_here:
                s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=33)))
                claimed_by_here.append(here.prepare(event))
            return info

    pod_b = other_replica(here, store=like(here.store, OverwrittenAndClaimedAfterHead))
    late = pod_b.prepare(event)
    [job] = claimed_by_here
    assert isinstance(job, Job) and job.etag == current_etag(s3, key)
    assert not isinstance(late, Job), "the current version was handed to two replicas"
    assert late.status == "duplicate" and "another replica" in late.reason
    assert here.finish(job, here.infer(job)).status == "processed"
    assert not pod_b._in_flight


def test_without_claims_a_copy_that_looked_just_before_the_result_was_written_does_no_work(events_client, seaweed):
    """One pod, claims off (SAM3FN_EVENT_CLAIM_TTL_S=0): a second copy finds no result, then the first copy
    writes its result and leaves the in-flight set before the second copy reaches it. The second copy must
    look again rather than segment the object a second time."""
    from sam3fn.storage import ObjectStore
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key = uploaded(s3, "no claims", seed=34)
    here = events_client.app.state.runtime.processor
    event = created(key)
    first_copy = []

    class FirstCopyFinishesAfterTheLook(ObjectStore):
        def head(self, ref):
            info = super().head(ref)
            if ref.key.endswith(".json") and first_copy:
                job = first_copy.pop()
                assert pod.finish(job, pod.infer(job)).status == "processed"
            return info

    pod = other_replica(here, claims=False, results=like(here.store, FirstCopyFinishesAfterTheLook))
    job = pod.prepare(event)
    assert isinstance(job, Job)
    first_copy.append(job)
    second = pod.prepare(event)
    assert not first_copy, "the first copy did not finish during the second copy's look"
    assert not isinstance(second, Job), "the object was handed out a second time"
    assert second.status == "duplicate" and second.reason == "already processed"


def test_a_delivery_whose_claim_was_taken_over_while_it_waited_writes_nothing(events_client, seaweed):
    """Pod A's claim ran out while its job waited for the worker, and pod B (whose clock says the claim is
    stale) took it over and processed the object. A, finishing late, must leave B's result as it is: before,
    it wrote its own over it, and the object was processed twice."""
    from sam3fn.claims import ClaimStore
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key = uploaded(s3, "taken over", seed=35)
    here = events_client.app.state.runtime.processor
    event = created(key)
    pod_a = other_replica(here)
    late = pod_a.prepare(event)
    assert isinstance(late, Job)
    pod_b = other_replica(here)
    pod_b.claims = ClaimStore(here.store, 300, "pod-b", clock=lambda: time.time() + 301)
    taker = pod_b.prepare(event)
    assert isinstance(taker, Job), "pod B did not take over the lapsed claim"
    assert pod_b.finish(taker, pod_b.infer(taker)).status == "processed"
    written = s3.head_object(Bucket="images", Key=taker.result_ref.key)["ETag"]
    outcome = pod_a.finish(late, pod_a.infer(late))
    assert outcome.status == "duplicate" and "another replica took it over" in outcome.reason
    assert s3.head_object(Bucket="images", Key=taker.result_ref.key)["ETag"] == written
    assert not pod_a._in_flight


def test_a_renewal_still_running_when_the_job_finishes_does_not_make_it_lose_its_own_claim(events_client, seaweed):
    """The heartbeat's renewal runs in a thread that cancelling it does not stop; finish renews too. Both
    wrote If-Match on the same ETag, the loser read that as 'taken over by another replica', and the job
    wrote nothing although it held the claim all along."""
    import threading

    from sam3fn.storage import ObjectStore
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key = uploaded(s3, "two renewals", seed=37)
    both_read = threading.Barrier(2)

    class BothRenewalsReadTheLeaseFirst(ObjectStore):
        def put(self, ref, *args, **kwargs):
            if ref.key.endswith(".claim") and kwargs.get("if_match"):
                try:
                    both_read.wait(timeout=1)
                except threading.BrokenBarrierError:
                    pass  # renewals one after the other: nothing to line up
            return super().put(ref, *args, **kwargs)

    here = events_client.app.state.runtime.processor
    pod = other_replica(here, store=like(here.store, BothRenewalsReadTheLeaseFirst))
    job = pod.prepare(created(key))
    assert isinstance(job, Job)
    renewed = []
    heartbeat = threading.Thread(target=lambda: renewed.append(pod.renew_claim(job)))
    heartbeat.start()
    outcome = pod.finish(job, pod.infer(job))
    heartbeat.join(10)
    assert renewed == [True] and not job.claim_lost
    assert outcome.status == "processed", outcome


def test_a_delivery_queued_for_the_worker_past_its_claim_ttl_keeps_its_claim(make_client, s3_env, monkeypatch):
    """Events wait for the one inference worker, which can take longer than the claim's TTL when many arrive
    at once. The waiting delivery renews its claim, so a second replica looking after the first TTL is still
    turned away; before, it took the lapsed claim over and the object was segmented twice."""
    import threading

    from sam3fn.triggers import EventProcessor, Job

    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["images"], default_prompts=["dog"],
                         event_claim_ttl_s=0.9)
    s3 = s3_env.client()
    key = uploaded(s3, "long queue", seed=36)
    infer, held = EventProcessor.infer, threading.Event()

    def queued_behind_others(self, job):
        held.wait(10)
        return infer(self, job)

    monkeypatch.setattr(EventProcessor, "infer", queued_behind_others)
    answer = []
    delivery = threading.Thread(target=lambda: answer.append(client.post("/v1/events", json=s3_record("images", key))))
    delivery.start()
    try:
        here = client.app.state.runtime.processor
        deadline = time.monotonic() + 10
        while not here._in_flight:
            assert time.monotonic() < deadline, "the delivery never claimed the object"
            time.sleep(0.02)
        time.sleep(2.0)  # more than twice the TTL
        second = other_replica(here).prepare(created(key))
        assert not isinstance(second, Job), "a second replica took over the claim of a queued delivery"
        assert second.status == "duplicate" and "another replica" in second.reason
    finally:
        held.set()
        delivery.join(30)
    assert answer[0].status_code == 200 and answer[0].json()["outcomes"][0]["status"] == "processed"


def test_object_deleted_between_head_and_get_is_skipped_not_an_error(events_client, seaweed):
    """Gone before its bytes were read: the same answer as gone before the HEAD (skipped, 2xx), not a 404 that
    makes producers redeliver it, and no claim left behind."""
    from sam3fn.storage import ObjectStore

    s3 = seaweed.client()
    key = uploaded(s3, "vanishing")
    processor = events_client.app.state.runtime.processor

    class DeletedAfterHead(ObjectStore):
        def head(self, ref):
            info = super().head(ref)
            if ref.key == key:
                s3.delete_object(Bucket="images", Key=key)
            return info

    store = processor.store
    processor.store = like(store, DeletedAfterHead)
    try:
        r = events_client.post("/v1/events", json=s3_record("images", key))
    finally:
        processor.store = store
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][0]["status"] == "skipped"
    assert not processor._in_flight
    assert "Contents" not in s3.list_objects_v2(Bucket="images", Prefix="results/" + key[len("inputs/"):])


# -- the same bytes uploaded again with other prompts ------------------------------------------------
def result_of(s3, key: str, bucket: str = "images") -> tuple[list[str], dict]:
    """The model prompts of an input's result, and the result's metadata."""
    r = s3.get_object(Bucket=bucket, Key="results/" + key[len("inputs/"):] + ".json")
    return [x["model_prompt"] for x in json.loads(r["Body"].read())["results"]], r["Metadata"]


def test_the_same_bytes_uploaded_again_with_other_prompts_are_processed_with_them(events_client, seaweed):
    """S3 gives the same bytes the same ETag: an annotator re-uploading a photo with `cat` after `dog` was
    answered 'already processed' and never got the cat result. The same bytes with the same prompts (a
    repeated delivery, or an identical re-upload) are still a duplicate."""
    s3 = seaweed.client()
    key, image = f"inputs/{unique('reprompted')}.png", encode(scene_pixels(seed=40))

    def upload_and_notify(prompts: str) -> str:
        s3.put_object(Bucket="images", Key=key, Body=image, Metadata={"prompts": prompts})
        r = events_client.post("/v1/events", json=s3_record("images", key))
        assert r.status_code == 200, r.text
        return r.json()["outcomes"][0]["status"]

    assert upload_and_notify("dog") == "processed"
    etag = current_etag(s3, key)
    assert upload_and_notify("cat") == "processed"
    assert current_etag(s3, key) == etag, "the store gave the same bytes another ETag: this test proves nothing"
    prompts, meta = result_of(s3, key)
    assert prompts == ["cat"] and meta["source-etag"] == etag
    again = events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]
    assert (again["status"], again["reason"]) == ("duplicate", "already processed")
    assert upload_and_notify("cat") == "duplicate"  # identical in bytes and prompts: nothing new to run
    assert result_of(s3, key)[0] == ["cat"]


def test_a_late_event_carrying_an_older_versions_prompts_does_not_set_the_current_versions(events_client, seaweed):
    """Events carry the metadata of the upload they announce (MinIO's userMetadata, the filer's extended). One
    delivered after the next upload (a redelivery, two webhook workers out of order) lent its prompts to an
    object that had none: the result, recorded as the current version's, kept `cat` for good, and the
    current version's own event was answered 'already processed'."""
    s3 = seaweed.client()
    key, image = f"inputs/{unique('late')}.png", encode(scene_pixels(seed=42))
    s3.put_object(Bucket="images", Key=key, Body=image, Metadata={"prompts": "cat"})
    late = s3_record("images", key)
    late["Records"][0]["s3"]["object"]["userMetadata"] = {"X-Amz-Meta-Prompts": "cat"}
    s3.put_object(Bucket="images", Key=key, Body=image)  # the same bytes again, with no prompts
    r = events_client.post("/v1/events", json=late)
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "processed", r.text
    assert result_of(s3, key)[0] == ["dog"]  # the defaults, as the object has no prompts


def test_an_input_whose_overlay_key_is_over_the_stores_segment_limit_gets_its_result_without_one(events_client,
                                                                                                   seaweed):
    """SeaweedFS and MinIO take 255 bytes a path segment: an input named with 244 of them has a result key
    (`.json`) the store takes and an overlay key (`.overlay.png`) it refuses. The model ran, the overlay was
    refused, and the event was answered 400: redelivered for good by MinIO, run again by every sweep."""
    s3 = seaweed.client()
    name = f"{unique('segment')}-"
    key = "inputs/" + name + "x" * (244 - len(name) - len(".png")) + ".png"
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=43)))
    r = events_client.post("/v1/events", json=s3_record("images", key))
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][0]["status"] == "processed"
    doc = json.loads(s3.get_object(Bucket="images", Key="results/" + key[len("inputs/"):] + ".json")["Body"].read())
    assert doc["overlay_key"] is None and any(w.startswith("no overlay") for w in doc["warnings"])
    # done for good: the result (newer than the input, so no sweep lists it) records this version
    assert events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]["status"] == "duplicate"


def test_an_input_whose_claim_key_the_store_refuses_is_skipped_before_the_model_runs(events_client, seaweed):
    """A 250-byte name: its claim key (`.claim`) is over the store's 255 bytes a segment. The event was
    answered 400 `invalid_key`, which a producer that retries (MinIO) sends again for good."""
    s3 = seaweed.client()
    name = f"{unique('claimed')}-"
    key = "inputs/" + name + "x" * (250 - len(name) - len(".png")) + ".png"
    s3.put_object(Bucket="images", Key=key, Body=encode(scene_pixels(seed=44)))
    runs = events_client.app.state.runtime.pipeline.segmenter.image_cache.misses
    r = events_client.post("/v1/events", json=s3_record("images", key))
    assert r.status_code == 200, r.text
    [outcome] = r.json()["outcomes"]
    assert outcome["status"] == "skipped" and "too long" in outcome["reason"], outcome
    assert events_client.app.state.runtime.pipeline.segmenter.image_cache.misses == runs


def test_results_written_before_prompts_counted_stay_valid(events_client, seaweed):
    """A result that records only the source ETag (written before the prompts were part of the version) still
    marks an input without prompts metadata as done: an upgrade must not run the whole bucket again."""
    s3 = seaweed.client()
    key = uploaded(s3, "older result", seed=41)
    s3.put_object(Bucket="images", Key="results/" + key[len("inputs/"):] + ".json", Body=b"{}",
                  Metadata={"source-etag": current_etag(s3, key)})
    outcome = events_client.post("/v1/events", json=s3_record("images", key)).json()["outcomes"][0]
    assert (outcome["status"], outcome["reason"]) == ("duplicate", "already processed")


def test_a_reupload_with_other_prompts_while_the_first_is_processed_is_its_own_version(events_client, seaweed):
    """The `dog` upload is in flight when the `cat` one lands: the cat delivery must not be turned away as
    'being processed' (same bytes, same ETag), and the dog result, finishing last, must not replace it."""
    from sam3fn.triggers import Job

    s3 = seaweed.client()
    key, image = f"inputs/{unique('reprompted in flight')}.png", encode(scene_pixels(seed=42))
    s3.put_object(Bucket="images", Key=key, Body=image, Metadata={"prompts": "dog"})
    processor = events_client.app.state.runtime.processor
    event = created(key)
    dog = processor.prepare(event)
    s3.put_object(Bucket="images", Key=key, Body=image, Metadata={"prompts": "cat"})
    cat = processor.prepare(event)
    assert isinstance(dog, Job) and isinstance(cat, Job), cat
    assert (dog.texts, cat.texts) == (["dog"], ["cat"])
    assert processor.finish(cat, processor.infer(cat)).status == "processed"
    late = processor.finish(dog, processor.infer(dog))
    assert late.status == "skipped" and "changed" in late.reason
    assert result_of(s3, key)[0] == ["cat"]
    assert processor.prepare(event).status == "duplicate" and not processor._in_flight


def test_sweep_processes_the_same_bytes_uploaded_again_with_other_prompts(make_client, s3_env):
    """The backstop for a lost event of such a re-upload: processed with the new prompts, and an identical
    re-upload (bytes and prompts) is a duplicate there too."""
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["reprompted"], default_prompts=["dog"])
    s3 = s3_env.client()
    key, image = f"inputs/{unique('swept again')}.png", encode(scene_pixels(seed=43))

    def upload_and_sweep(prompts: str) -> dict:
        time.sleep(1.1)  # listings are to the second: an upload must land in a later second to look newer
        s3.put_object(Bucket="reprompted", Key=key, Body=image, Metadata={"prompts": prompts})
        r = client.post("/v1/events/sweep", params={"bucket": "reprompted"})
        assert r.status_code == 200, r.text
        return {o["key"]: o["status"] for o in r.json()["outcomes"]}

    assert upload_and_sweep("dog") == {key: "processed"}
    assert upload_and_sweep("cat") == {key: "processed"}
    assert result_of(s3, key, "reprompted")[0] == ["cat"]
    assert client.post("/v1/events/sweep", params={"bucket": "reprompted"}).json()["outcomes"] == []
    assert upload_and_sweep("cat") == {key: "duplicate"}
    assert result_of(s3, key, "reprompted")[0] == ["cat"]


@pytest.mark.parametrize("body", [
    {"Records": 5},
    {"Records": [{"eventName": 5, "s3": {"bucket": {"name": "images"}, "object": {"key": "inputs/a.png"}}}]},
    {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "images"}, "object": {"key": None}}}]},
    {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": ["images"]},
                                                           "object": {"key": "inputs/a.png"}}}]},
    {"specversion": "1.0", "type": "Object Created", "data": {"detail": {"object": {"key": "inputs/a.png"}}}},
    {"specversion": "1.0", "type": "finalized", "data": {"bucket": "images", "name": 5}},
    {"message": "not an entry", "key": "/buckets/images/inputs/a.png"},
    {"specversion": "1.0", "type": "ObjectCreated", "data_base64": "not base64!"},
])
def test_malformed_event_payloads_are_invalid_event_and_write_nothing(events_client, seaweed, body):
    r = events_client.post("/v1/events", json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_event", r.text
    assert "Traceback" not in r.text


def test_deeply_nested_event_body_is_invalid_event_not_a_crash(events_client):
    r = events_client.post("/v1/events", content=b"[" * 100_000 + b"]" * 100_000,
                           headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_event", r.text
