"""The payload Structs of sam3fn.events: fields a producer adds are ignored in every dialect, and a field of
the wrong JSON type, wherever it sits, is refused naming its path from the body's root in JSON's words."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sam3fn.events import EventFormatError, parse_events

PAYLOADS = Path(__file__).parent / "payloads"
BINARY_CE = {"ce-specversion": "1.0", "ce-type": "com.amazonaws.s3.ObjectCreated:Put", "ce-id": "1", "ce-source": "s3"}
STRUCTURED_CE = {"content-type": "application/cloudevents+json"}
# Maps of the object's own metadata: a field added to them would be metadata, not an unknown field.
METADATA = ("userMetadata", "extended", "metadata")


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_bytes())


def with_unknown_fields(doc):
    """`doc` with fields no reader knows added to every object in it (a newer producer's)."""
    if isinstance(doc, list):
        return [with_unknown_fields(item) for item in doc]
    if not isinstance(doc, dict):
        return doc
    added = {k: v if k in METADATA else with_unknown_fields(v) for k, v in doc.items()}
    return added | {"addedLater": {"nested": [1, None, "x"]}, "addedAsNull": None, "added_number": 1.5}


def sns_envelope(message: dict) -> dict:
    return {"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:us-east-2:123456789012:T",
            "Message": json.dumps(message)}


def eventbridge(key: str = "inputs/a.png") -> dict:
    return {"version": "0", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"version": "0", "bucket": {"name": "images"},
                       "object": {"key": key, "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184"}}}


def structured(data: dict, type_: str = "Object Created") -> dict:
    return {"specversion": "1.0", "id": "1", "source": "s", "type": type_, "data": data}


# (name, headers, the delivery as a function of how its JSON parts are dressed)
DIALECTS = [
    ("aws-s3", {}, lambda dress: dress(load("aws_s3_put.json"))),
    ("minio", {}, lambda dress: dress(load("minio_put.json"))),
    ("aws-sns", {}, lambda dress: dress(sns_envelope(dress(load("aws_s3_put.json"))))),
    ("cloudevents-binary", BINARY_CE, lambda dress: dress(load("aws_s3_put.json")["Records"][0])),
    ("cloudevents-structured/gcs", STRUCTURED_CE, lambda dress: dress(load("cloudevent_structured_gcs.json"))),
    ("cloudevents-structured/eventbridge", {}, lambda dress: dress(structured(eventbridge()))),
    ("cloudevents-structured/base64", {}, lambda dress: dress({
        "specversion": "1.0", "type": "ObjectCreated",
        "data_base64": base64.b64encode(json.dumps(dress(load("aws_s3_put.json"))).encode()).decode()})),
    ("seaweedfs/create", {}, lambda dress: dress(load("seaweedfs_create.json"))),
    ("seaweedfs/update", {}, lambda dress: dress(load("seaweedfs_update.json"))),
    ("seaweedfs/delete", {}, lambda dress: dress(load("seaweedfs_delete.json"))),
]


@pytest.mark.parametrize(("headers", "delivery"), [d[1:] for d in DIALECTS], ids=[d[0] for d in DIALECTS])
def test_fields_a_producer_adds_are_ignored_in_every_dialect(headers, delivery):
    plain = parse_events(headers, json.dumps(delivery(lambda doc: doc)).encode())
    dressed = parse_events(headers, json.dumps(delivery(with_unknown_fields)).encode())
    assert plain and dressed == plain


def test_sns_confirmation_with_fields_a_producer_adds_is_read():
    confirmation = {"Type": "SubscriptionConfirmation", "TopicArn": "arn:aws:sns:us-east-2:123456789012:T",
                    "Token": "abc123", "SubscribeURL": "https://sns.example/"}
    assert parse_events({}, json.dumps(with_unknown_fields(confirmation)).encode()) == []


def test_an_sns_message_sent_as_an_object_rather_than_json_text_is_read():
    envelope = sns_envelope({}) | {"Message": load("aws_s3_put.json")}
    [event] = parse_events({}, json.dumps(envelope).encode())
    assert (event.bucket, event.dialect) == ("images", "aws-sns")


def _seaweed(**entry) -> dict:
    return {"event_type": "create", "key": "/buckets/images/inputs/a.png", "message": {"new_entry": entry}}


@pytest.mark.parametrize(("headers", "body", "message"), [
    # the path is from the body's root, through the envelope: SNS's Message, a CloudEvent's data
    ({}, sns_envelope({"Records": [{"s3": {"bucket": {"name": "images"}}}]}),
     "Message.Records[0].s3.object is missing"),
    ({}, sns_envelope({"Records": [{"s3": {"bucket": {"name": "images"}, "object": {"key": "k", "eTag": 5}}}]}),
     "Message.Records[0].s3.object.eTag must be a string, not a number"),
    ({}, {"Type": "Notification", "Message": 5}, "Message must be a string or an object, not a number"),
    ({}, {"specversion": "1.0", "data_base64": base64.b64encode(b'{"Records": [{"s3": 1}]}').decode()},
     "data.Records[0].s3 must be an object, not a number"),
    ({}, structured(eventbridge() | {"detail-type": 5}), "data.detail-type must be a string, not a number"),
    ({}, structured(eventbridge(key=None)), "data.detail.object.key must be a string, not null"),
    ({}, structured({"bucket": "images", "name": "a", "md5Hash": True}),
     "data.md5Hash must be a string, not a boolean"),
    ({}, {"specversion": "1.0", "type": ["x"], "data": {"bucket": "images", "name": "a"}},
     "type must be a string, not a list"),
    (STRUCTURED_CE, [1], "the event body must be an object, not a list"),
    # binary CloudEvents: the body is the data, so paths start at its own fields
    (BINARY_CE, {"s3": {"bucket": {"name": None}, "object": {"key": "k"}}},
     "s3.bucket.name must be a string, not null"),
    (BINARY_CE, {"s3": {"bucket": {"name": "images"}, "object": {}}}, "s3.object.key is missing"),
    (BINARY_CE, [1], "the event body must be an object, not a list"),
    # SeaweedFS: every level of the filer entry
    ({}, _seaweed(is_directory="yes"), "message.new_entry.is_directory must be a boolean, not a string"),
    ({}, _seaweed(attributes={"md5": 5}), "message.new_entry.attributes.md5 must be a string, not a number"),
    ({}, _seaweed(extended=[]), "message.new_entry.extended must be an object, not a list"),
    ({}, {"key": "/buckets/images/a", "message": {"old_entry": 1}},
     "message.old_entry must be an object, not a number"),
    # SNS subscription handshakes
    ({}, {"Type": "SubscriptionConfirmation", "Token": "abc"}, "TopicArn is missing"),
    ({}, {"Type": "UnsubscribeConfirmation", "TopicArn": "arn:aws:sns:us-east-2:123456789012:T", "Token": 7},
     "Token must be a string, not a number"),
])
def test_a_field_of_the_wrong_type_is_named_by_its_path_in_json_words(headers, body, message):
    with pytest.raises(EventFormatError) as info:
        parse_events(headers, json.dumps(body).encode())
    assert info.value.code == "invalid_event"
    assert str(info.value) == message


@pytest.mark.parametrize("headers", [{}, STRUCTURED_CE, BINARY_CE], ids=["plain", "structured-ce", "binary-ce"])
@pytest.mark.parametrize("body", [b"", b" \r\n"], ids=["empty", "whitespace"])
def test_an_empty_body_is_called_empty_not_null(headers, body):
    with pytest.raises(EventFormatError, match="the event body is empty") as refused:
        parse_events(headers, body)
    assert "null" not in refused.value.message
