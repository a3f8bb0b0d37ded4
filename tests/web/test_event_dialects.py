"""Each object-storage dialect, from payloads shaped as its system documents them, parses to the same events."""

from __future__ import annotations

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


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"hello": "world"}', b'{"Records": [{"s3": {}}]}'])
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
