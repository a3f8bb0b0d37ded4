"""Each object-storage dialect, from payloads shaped as its system documents them, parses to the same events."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sam3fn.events import CREATED, REMOVED, EventFormatError, parse_events
from sam3fn.triggers import parse_prompt_metadata

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def test_aws_s3_keys_are_form_url_decoded():
    [event] = parse_events({"content-type": "application/json"}, load("aws_s3_put.json"))
    assert (event.bucket, event.key, event.kind, event.dialect) == ("images", "inputs/street scene 狗.png", CREATED, "aws-s3")
    assert event.etag == "d41d8cd98f00b204e9800998ecf8427e"


def test_minio_webhook_with_user_metadata():
    [event] = parse_events({}, load("minio_put.json"))
    assert (event.bucket, event.key, event.dialect) == ("images", "inputs/street scene.png", "minio")
    assert event.metadata["prompts"] == "dog,car"


def test_aws_s3_inside_an_sns_envelope():
    envelope = {"Type": "Notification", "MessageId": "1", "Message": load("aws_s3_put.json").decode()}
    [event] = parse_events({}, json.dumps(envelope).encode())
    assert event.key == "inputs/street scene 狗.png" and event.dialect == "aws-sns"


def test_s3_test_event_is_no_event():
    assert parse_events({}, json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}).encode()) == []
    # the same test event relayed S3 -> SQS -> Knative arrives as CloudEvent data and is no error either
    relayed = {"ce-specversion": "1.0", "ce-type": "dev.knative.sources.awssqs", "ce-id": "1", "ce-source": "sqs"}
    assert parse_events(relayed, json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}).encode()) == []


def test_cloudevents_binary_mode_carries_the_s3_record_as_data():
    record = json.loads(load("aws_s3_put.json"))["Records"][0]
    headers = {"ce-specversion": "1.0", "ce-type": "com.amazonaws.s3.ObjectCreated:Put", "ce-id": "1",
               "ce-source": "arn:aws:s3:::images", "content-type": "application/json"}
    [event] = parse_events(headers, json.dumps(record).encode())
    assert (event.bucket, event.key, event.kind, event.dialect) == ("images", "inputs/street scene 狗.png", CREATED,
                                                                     "cloudevents-binary")


def test_cloudevents_structured_mode_with_gcs_object_data():
    [event] = parse_events({"content-type": "application/cloudevents+json"}, load("cloudevent_structured_gcs.json"))
    assert (event.bucket, event.key, event.kind) == ("images", "inputs/street.png", CREATED)
    assert event.metadata == {"prompts": "dog"} and event.dialect == "cloudevents-structured"


def test_seaweedfs_filer_webhook_create_update_delete():
    [created] = parse_events({}, load("seaweedfs_create.json"))
    assert (created.bucket, created.key, created.kind, created.dialect) == ("images", "inputs/photo 1.jpg", CREATED,
                                                                            "seaweedfs")
    assert created.metadata == {"prompts": "dog,cat"} and created.etag == "5a1a6a7a1c9c4258fb00469da85c309e"
    assert parse_events({}, load("seaweedfs_update.json"))[0].kind == CREATED  # an overwrite is new content
    [deleted] = parse_events({}, load("seaweedfs_delete.json"))
    assert deleted.kind == REMOVED and deleted.key == "inputs/狗.jpg"


def test_seaweedfs_folder_events_are_not_objects():
    folder = {"event_type": "create", "key": "/buckets/images/inputs",
              "message": {"new_entry": {"name": "inputs", "is_directory": True}}}
    assert parse_events({}, json.dumps(folder).encode()) == []


def test_removals_are_recognised():
    doc = json.loads(load("aws_s3_put.json"))
    doc["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert parse_events({}, json.dumps(doc).encode())[0].kind == REMOVED


def _record(**s3) -> bytes:
    s3 = {"bucket": {"name": "images"}, "object": {"key": "inputs/a.png"}} | s3
    return json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": s3}]}).encode()


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", b'{"hello": "world"}', b'{"Records": [{"s3": {}}]}',
    # Each shape below used to escape as a TypeError/AttributeError/KeyError: a 500 with a traceback logged.
    b'{"Records": 5}', b'{"Records": [{"eventName": 5, "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]}',
    _record(object={"key": None}), _record(object={"key": 5}), _record(bucket={"name": ["images"]}),
    _record(bucket={"name": None}), _record(bucket={"name": ""}), _record(bucket={"name": "no/such!bucket"}),
    _record(object={"key": "inputs/a.png", "userMetadata": ["prompts"]}),
    b'{"specversion": "1.0", "type": "Object Created", "data": {"detail": {"object": {"key": "inputs/a.png"}}}}',
    b'{"specversion": "1.0", "type": "Object Created", "data": {"detail": {"object": "x", "bucket": {"name": "b"}}}}',
    b'{"specversion": "1.0", "type": "finalized", "data": {"bucket": "images", "name": 5}}',
    b'{"specversion": "1.0", "type": "finalized", "data": {"bucket": "images", "name": "inputs/a.png", "metadata": "x"}}',
    b'{"specversion": "1.0", "type": "ObjectCreated", "data_base64": "not base64!"}',
    b'{"specversion": "1.0", "type": "ObjectCreated", "data_base64": 5}',
    b'{"message": "not an entry", "key": "/buckets/images/inputs/a.png"}',
    b'{"message": {"new_entry": {"attributes": "x"}}, "key": "/buckets/images/inputs/a.png", "event_type": "create"}',
    b'{"message": {"new_entry": {"attributes": {"md5": "abc"}}}, "key": "/buckets/images/a", "event_type": "create"}',
    b'{"message": {"new_entry": {}}, "key": 5}',
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser's recursion limit
])
def test_unreadable_payloads_are_coded_errors(body):
    with pytest.raises(EventFormatError) as info:
        parse_events({}, body)
    assert info.value.code == "invalid_event"


@pytest.mark.parametrize("value,expected", [
    ("dog", ["dog"]), ("dog, red car", ["dog", "red car"]), ('["dog", "狗"]', ["dog", "狗"]),
    ("dog|cat", ["dog", "cat"]), ("dog,%E7%8B%97", ["dog", "狗"]), ("=?UTF-8?B?54uXLGNhdA==?=", ["狗", "cat"]), ("dog\ncat\n", ["dog", "cat"]), ("", []), (None, []),
])
def test_prompt_metadata_forms(value, expected):
    assert parse_prompt_metadata(value) == expected


def test_structured_cloudevent_with_base64_data_is_read():
    """`data_base64` (CloudEvents' JSON format for binary data) holding the S3 record: it used to be refused
    as "not a JSON object", so the producer dead-lettered a valid event."""
    record = json.loads(load("aws_s3_put.json"))
    envelope = {"specversion": "1.0", "type": "com.amazonaws.s3.ObjectCreated:Put", "id": "1", "source": "s3",
                "data_base64": base64.b64encode(json.dumps(record).encode()).decode()}
    [event] = parse_events({"content-type": "application/cloudevents+json"}, json.dumps(envelope).encode())
    assert (event.bucket, event.key, event.kind) == ("images", "inputs/street scene 狗.png", CREATED)


@pytest.mark.parametrize("value", [" ", "%20", " , "])
def test_blank_prompt_metadata_means_the_default_prompts(value):
    assert parse_prompt_metadata(value) == []


def test_seaweedfs_rename_creates_the_object_at_its_new_path():
    """The filer's move (`mv.from`, a folder renamed) is sent as "rename" with the old path as `key`: it used
    to be skipped as "not an object creation", leaving the object now under inputs/ to the next sweep."""
    [event] = parse_events({}, load("seaweedfs_rename.json"))  # staging/x.jpg moved to inputs/renamed.jpg
    assert (event.bucket, event.key, event.kind) == ("images", "inputs/renamed.jpg", CREATED)
    assert event.metadata == {"prompts": "cat"}
    moved_folder = json.loads(load("seaweedfs_rename.json"))
    moved_folder["message"]["new_entry"]["is_directory"] = True
    assert parse_events({}, json.dumps(moved_folder).encode()) == []  # each file in it is sent on its own


def test_seaweedfs_event_for_a_version_in_a_versioned_bucket_names_the_object():
    """With versioning on, the S3 gateway writes each upload of `inputs/v.jpg` as the file
    `inputs/v.jpg.versions/v_<id>`, and that is the key the filer's webhook sends: it used to be taken as the
    object's key, which no HEAD finds, so every event in such a bucket was skipped as gone."""
    [event] = parse_events({}, load("seaweedfs_versioned_create.json"))
    assert (event.bucket, event.key, event.kind) == ("vers", "inputs/v.jpg", CREATED)
    plain = json.loads(load("seaweedfs_versioned_create.json"))
    del plain["message"]["new_entry"]["extended"]["Seaweed-X-Amz-Version-Id"]  # a key that only looks like one
    assert parse_events({}, json.dumps(plain).encode())[0].key.endswith(".versions/v_6714aa1351c4f71fb59621e4889d5627")


def test_prompt_metadata_sent_as_raw_utf8_is_read_as_the_text_it_was():
    """A store that takes raw UTF-8 in `x-amz-meta-prompts` (SeaweedFS, MinIO; curl or mc sends it) returns
    the bytes, which HTTP reads as Latin-1: '狗,猫' arrived as 'ç\\x8b\\x97,ç\\x8c«' and failed as an
    invalid prompt holding a control character."""
    assert parse_prompt_metadata("狗,猫".encode().decode("latin-1")) == ["狗", "猫"]
    assert parse_prompt_metadata("café") == ["café"]  # Latin-1 text that is not UTF-8 stays as it is
