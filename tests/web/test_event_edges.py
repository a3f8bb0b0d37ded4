"""Edges of /v1/events and the routes that read s3:// URLs: keys no store accepts, buckets that do not
exist, payloads of the wrong JSON types, SNS subscription handshakes, and deliveries with too many records.
Against a real S3 server (SeaweedFS on loopback)."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import quote_plus

import pytest

from sam3fn.events import MAX_RECORDS, EventFormatError, parse_events
from support.images import encode, scene_pixels
from support.seaweed import SeaweedFS


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    with SeaweedFS(tmp_path_factory.mktemp("seaweed"), buckets=["images"]) as store:
        yield store


def record(key: str, bucket: str = "images", event: str = "ObjectCreated:Put") -> dict:
    """One S3 event record as S3 sends it: the key form-URL-encoded."""
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event,
            "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/"), "size": 1}}}


def unique(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"


def uploaded(seaweed, name: str) -> str:
    key = f"inputs/{unique(name)}.png"
    seaweed.client().put_object(Bucket="images", Key=key, Body=encode(scene_pixels()))
    return key


def listed(seaweed, prefix: str) -> list[str]:
    return [o["Key"] for o in seaweed.client().list_objects_v2(Bucket="images", Prefix=prefix).get("Contents", [])]


# -- 1. keys no store accepts ----------------------------------------------------------------------
@pytest.mark.parametrize("route", ["/v1/segment", "/api/predict"])
def test_s3_url_with_nul_in_the_key_is_400_invalid_s3_url_not_a_502(events_client, route):
    url = "s3://images/inputs/a.png\u0000"
    body = ({"image": {"s3": url}, "prompts": ["dog"]} if route == "/v1/segment"
            else {"prompt": "dog", "image_path": url})
    r = events_client.post(route, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_s3_url"
    assert "NUL" in r.json()["error"]["message"]


def test_event_for_a_key_holding_nul_is_answered_skipped_not_a_retryable_error(events_client):
    """The store refuses every request naming such a key (400 InvalidRequest): answered with a 5xx, the
    producer redelivered the event for good."""
    r = events_client.post("/v1/events", json={"Records": [record("inputs/a.png\u0000")]})
    assert r.status_code == 200, r.text
    [outcome] = r.json()["outcomes"]
    assert outcome["status"] == "skipped" and "NUL" in outcome["reason"]


def test_event_whose_result_keys_would_be_over_the_key_limit_is_skipped_and_sweeps_leave_it(events_client, seaweed):
    """A 1,020-byte input key is a valid object, but its result key (`results/...overlay.png`) is over the
    1,024 bytes a store takes: every delivery and sweep ran the model and then had its result refused."""
    prefix = f"inputs/{unique('long')}-" + "/".join(["x" * 200] * 4) + "/"  # SeaweedFS: 255 bytes a segment
    key = prefix + "x" * (1020 - len(prefix))
    seaweed.client().put_object(Bucket="images", Key=key, Body=encode(scene_pixels()))
    r = events_client.post("/v1/events", json={"Records": [record(key)]})
    assert r.status_code == 200, r.text
    [outcome] = r.json()["outcomes"]
    assert outcome["status"] == "skipped" and "1,024" in outcome["reason"], outcome
    swept = events_client.post("/v1/events/sweep?bucket=images").json()["outcomes"]
    assert key not in [o["key"] for o in swept]
    assert not [k for k in listed(seaweed, "results/") if k.startswith("results/long-")]


# -- 2. buckets that do not exist ------------------------------------------------------------------
def test_sweep_of_an_allowed_bucket_that_does_not_exist_says_the_bucket_does_not_exist(make_client, s3_env):
    missing = unique("nobucket")
    client = make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["images", missing])
    r = client.post(f"/v1/events/sweep?bucket={missing}")
    assert r.status_code == 404, r.text
    error = r.json()["error"]
    assert error["code"] == "bucket_not_found"
    assert f"bucket {missing!r} does not exist" in error["message"]


def test_segment_from_a_bucket_that_does_not_exist_is_bucket_not_found(make_client, s3_env):
    client = make_client(s3_endpoint=s3_env.endpoint)
    missing = unique("nobucket")
    r = client.post("/v1/segment", json={"image": {"s3": f"s3://{missing}/inputs/a.png"}, "prompts": ["dog"]})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "bucket_not_found" and missing in r.json()["error"]["message"]


# -- 3. payloads of the wrong JSON types -----------------------------------------------------------
def _s3(**s3) -> dict:
    return {"Records": [{"eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "images"}, "object": {"key": "inputs/a.png"}} | s3}]}


def _ce(data) -> dict:
    return {"specversion": "1.0", "id": "1", "source": "s", "type": "Object Created", "data": data}


WRONG_TYPES = [
    ({"Records": "x"}, "Records must be a list, not a string"),
    (_s3(object={"key": 5}), "Records[0].s3.object.key must be a string, not a number"),
    ({"Records": [5]}, "Records[0] must be an object, not a number"),
    ({"Records": [{"eventName": "ObjectCreated:Put"}]}, "Records[0].s3 is missing"),
    (_s3(bucket="images"), "Records[0].s3.bucket must be an object, not a string"),
    (_s3(bucket={"name": ["images"]}), "Records[0].s3.bucket.name must be a string, not a list"),
    (_s3(bucket={"name": "no/such!bucket"}), "Records[0].s3.bucket.name 'no/such!bucket' is not a valid bucket name"),
    (_s3(object={"key": "inputs/a.png", "userMetadata": ["prompts"]}),
     "Records[0].s3.object.userMetadata must be an object, not a list"),
    ({"Records": [_s3()["Records"][0] | {"eventName": 5}]},
     "Records[0].eventName must be a string, not a number"),
    ({"Type": "Notification", "Message": json.dumps({"Records": {}})},
     "Message.Records must be a list, not an object"),
    ({"Type": "Notification", "Message": "not json"}, "Message is not JSON"),
    (_ce({"s3": {"bucket": {"name": "images"}, "object": {"key": [1]}}}),
     "data.s3.object.key must be a string, not a list"),
    (_ce({"detail": {"object": "x", "bucket": {"name": "b"}}}), "data.detail.object must be an object, not a string"),
    (_ce({"detail": {"object": {"key": "inputs/a.png"}}}), "data.detail.bucket is missing"),
    (_ce({"bucket": "images", "name": 5}), "data.name must be a string, not a number"),
    (_ce({"bucket": "images", "name": "inputs/a.png", "metadata": "x"}),
     "data.metadata must be an object, not a string"),
    ({"specversion": "1.0", "type": 5, "data": {"bucket": "images", "name": "a"}},
     "type must be a string, not a number"),
    ({"specversion": "1.0", "type": "ObjectCreated", "data_base64": 5}, "data_base64 must be a string, not a number"),
    ({"specversion": "1.0", "type": "ObjectCreated", "data_base64": "not base64!"}, "data_base64 is not base64"),
    ({"specversion": "1.0", "type": "ObjectCreated", "data_base64": base64.b64encode(b"[1]").decode()},
     "data must be an object, not a list"),
    ({"message": "not an entry", "key": "/buckets/images/inputs/a.png"}, "message must be an object, not a string"),
    ({"message": {"new_entry": {"attributes": "x"}}, "key": "/buckets/images/inputs/a.png", "event_type": "create"},
     "message.new_entry.attributes must be an object, not a string"),
    ({"message": {"new_entry": {"attributes": {"md5": "abc"}}}, "key": "/buckets/images/a", "event_type": "create"},
     "message.new_entry.attributes.md5 is not base64"),
    ({"message": {"new_entry": {}}, "key": 5}, "key must be a string, not a number"),
    ({"message": {"new_entry": {}}, "key": "/buckets/images/a", "event_type": 5},
     "event_type must be a string, not a number"),
    (5, "the event body must be an object, not a number"),
]


@pytest.mark.parametrize(("body", "message"), WRONG_TYPES)
def test_event_payload_errors_name_the_field_in_the_payloads_own_terms(body, message):
    with pytest.raises(EventFormatError) as info:
        parse_events({}, json.dumps(body).encode())
    assert info.value.code == "invalid_event"
    assert str(info.value) == message


def test_event_payload_errors_reach_the_caller_without_python_internals(events_client):
    for body, message in [({"Records": "x"}, "Records must be a list, not a string"),
                          (_s3(object={"key": 5}), "Records[0].s3.object.key must be a string, not a number")]:
        r = events_client.post("/v1/events", json=body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_event", r.text
        assert r.json()["error"]["message"] == message
        for internal in ("indices", "'int' object", "attribute", "lacks"):
            assert internal not in r.text


# -- 4. SNS subscriptions --------------------------------------------------------------------------
TOPIC = "arn:aws:sns:us-east-2:123456789012:MyTopic"
TOKEN = "2336412f37fb687f5d51e6e2425dacbba1e6b5b3a6cb3e4b1b5e4d3e5f8a9b0c"


class Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def subscribe_url():
    """A URL that records every request it gets: the function must fetch none (no SSRF)."""
    Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/?Action=ConfirmSubscription&TopicArn={TOPIC}&Token={TOKEN}"
    server.shutdown()
    server.server_close()


def sns(kind: str, subscribe_url: str, **fields) -> dict:
    """An SNS HTTP(S) subscription message as SNS posts it (its Content-Type is text/plain)."""
    return {"Type": kind, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "Token": TOKEN, "TopicArn": TOPIC,
            "Message": f"You have chosen to subscribe to the topic {TOPIC}.\nTo confirm the subscription, visit the "
                       "SubscribeURL included in this message.", "SubscribeURL": subscribe_url,
            "Timestamp": "2012-04-26T20:45:04.751Z", "SignatureVersion": "1", "Signature": "EXAMPLEpH+==",
            "SigningCertURL": "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-0000.pem"} | fields


def post_sns(client, message: dict):
    return client.post("/v1/events", content=json.dumps(message).encode(),
                       headers={"content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": message["Type"],
                                "x-amz-sns-topic-arn": TOPIC})


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_sns_subscription_handshake_is_200_and_logs_the_confirm_command_without_fetching_any_url(
        events_client, subscribe_url, caplog, kind):
    """The README says the endpoint takes S3 notifications through SNS, but SNS's first message, which must be
    confirmed before SNS sends anything else, was refused as a format the function does not read."""
    with caplog.at_level(logging.WARNING, logger="sam3fn.events"):
        r = post_sns(events_client, sns(kind, subscribe_url))
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"] == []
    command = f"aws sns confirm-subscription --region us-east-2 --topic-arn {TOPIC} --token {TOKEN}"
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert any(command in w and TOPIC in w for w in warnings), warnings
    time.sleep(0.2)
    assert Recorder.hits == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"TopicArn": None}, "TopicArn must be a string, not null"),
    ({"TopicArn": "https://evil.example/"}, "is not an SNS topic ARN"),
    ({"Token": "a b\nc"}, "Token is not an SNS confirmation token"),
])
def test_sns_handshake_that_is_not_well_formed_is_invalid_event(events_client, subscribe_url, fields, message):
    r = post_sns(events_client, sns("SubscriptionConfirmation", subscribe_url, **fields))
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_event", r.text
    assert message in r.json()["error"]["message"]


def test_sns_notification_carrying_an_s3_event_is_processed(events_client, seaweed, subscribe_url):
    key = uploaded(seaweed, "via sns")
    notification = sns("Notification", subscribe_url, Message=json.dumps({"Records": [record(key)]}),
                       Subject="Amazon S3 Notification")
    for name in ("Token", "SubscribeURL"):
        notification.pop(name)
    r = post_sns(events_client, notification)
    assert r.status_code == 200, r.text
    [outcome] = r.json()["outcomes"]
    assert (outcome["key"], outcome["status"]) == (key, "processed")


def test_a_wrong_type_deep_inside_an_sns_message_is_invalid_event_naming_its_path(events_client, subscribe_url):
    """The Message is JSON text inside the envelope: a field of the wrong type in it is named by its path from
    the envelope's root, in JSON's words, not msgspec's (`$.`, `Expected `) or Python's (`int`)."""
    inner = record("inputs/a.png")
    inner["s3"]["bucket"]["name"] = 5
    notification = sns("Notification", subscribe_url, Message=json.dumps({"Records": [inner]}))
    r = post_sns(events_client, notification)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_event", r.text
    assert r.json()["error"]["message"] == "Message.Records[0].s3.bucket.name must be a string, not a number"
    assert Recorder.hits == []


# -- 5. records per delivery -----------------------------------------------------------------------
def test_a_delivery_with_more_records_than_the_cap_is_refused_before_any_work(events_client, seaweed):
    key = uploaded(seaweed, "flood")
    runs = events_client.app.state.runtime.pipeline.segmenter.image_cache.misses
    started = time.monotonic()
    r = events_client.post("/v1/events", json={"Records": [record(key)] * (MAX_RECORDS + 1)})
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "too_many_records" and f"at most {MAX_RECORDS}" in error["message"]
    assert time.monotonic() - started < 5
    assert listed(seaweed, "results/" + key[len("inputs/"):]) == []  # nothing read, claimed or written
    assert events_client.app.state.runtime.pipeline.segmenter.image_cache.misses == runs


def test_the_record_cap_is_checked_before_any_record_is_read():
    """Too many records is the answer even when every record is malformed: none is converted first."""
    with pytest.raises(EventFormatError) as info:
        parse_events({}, json.dumps({"Records": [5] * (MAX_RECORDS + 1)}).encode())
    assert info.value.code == "too_many_records"


def test_a_delivery_of_exactly_the_cap_is_handled(events_client):
    r = events_client.post("/v1/events", json={"Records": [record("elsewhere/a.png")] * MAX_RECORDS})
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()["outcomes"]] == ["skipped"] * MAX_RECORDS


def test_openapi_documents_the_new_event_statuses(client):
    doc = client.get("/schema/openapi.json").json()
    assert "404" in doc["paths"]["/v1/events/sweep"]["post"]["responses"]
    assert "413" in doc["paths"]["/v1/events"]["post"]["responses"]
