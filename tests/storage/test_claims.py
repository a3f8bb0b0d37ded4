"""Cross-replica claims against a real S3 server (SeaweedFS honours If-None-Match and If-Match): one
winner per object version, stale leases taken over by exactly one replica, never someone else's released."""

from __future__ import annotations

import json
import logging
import time

import pytest
from botocore.stub import Stubber

from sam3fn.claims import CLAIMS_RETRY_S, ClaimStore
from sam3fn.storage import ObjectRef, ObjectStore, PreconditionFailed

BUCKET = "claims"


@pytest.fixture
def store(seaweed):
    return ObjectStore(seaweed.endpoint, [BUCKET], client=seaweed.client())


@pytest.fixture
def ref():
    return ObjectRef(BUCKET, f"results/{time.monotonic_ns()}.png.claim")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_conditional_put_refuses_the_second_create_and_a_stale_etag(store, ref):
    etag = store.put(ref, b"a", "text/plain", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put(ref, b"b", "text/plain", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put(ref, b"c", "text/plain", if_match="0" * 32)
    assert store.put(ref, b"d", "text/plain", if_match=etag) != etag


def test_second_claim_on_the_same_version_is_refused_until_released(store, ref):
    a, b = ClaimStore(store, 60, "pod-a"), ClaimStore(store, 60, "pod-b")
    lease = a.acquire(ref, "v1")
    assert lease is not None
    assert b.acquire(ref, "v1") is None
    a.release(lease)
    assert store.head(ref) is None
    assert b.acquire(ref, "v1") is not None


def test_claim_left_by_a_dead_holder_is_taken_over_after_its_ttl(store, ref):
    clock = Clock()
    dead, live = ClaimStore(store, 60, "dead", clock), ClaimStore(store, 60, "live", clock)
    assert dead.acquire(ref, "v1") is not None
    clock.now += 59
    assert live.acquire(ref, "v1") is None
    clock.now += 2
    assert live.acquire(ref, "v1") is not None
    body, _ = store.get(ref, 4096)
    assert json.loads(body)["owner"] == "live"


def test_claim_for_an_older_version_of_the_object_is_taken_over(store, ref):
    assert ClaimStore(store, 60, "a").acquire(ref, "old-etag") is not None
    assert ClaimStore(store, 60, "b").acquire(ref, "new-etag") is not None


def test_of_two_replicas_taking_over_a_stale_claim_only_one_wins(store, seaweed, ref):
    clock = Clock()
    ClaimStore(store, 60, "dead", clock).acquire(ref, "v1")
    clock.now += 61
    rival = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET], client=seaweed.client()), 60, "rival", clock)
    won_by_rival = []

    class RivalTakesOverAfterOurRead(ObjectStore):
        def get(self, ref, max_bytes):
            found = super().get(ref, max_bytes)  # we have read the stale claim and its ETag ...
            if not won_by_rival:
                won_by_rival.append(rival.acquire(ref, "v1"))  # ... and the rival replaces it first
            return found

    slow = ClaimStore(RivalTakesOverAfterOurRead(seaweed.endpoint, [BUCKET], client=seaweed.client()), 60, "slow", clock)
    assert slow.acquire(ref, "v1") is None
    assert won_by_rival[0] is not None
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "rival"


def _lease_taken_over(store, ref, taker: str):
    """A 60 s lease held by "slow" runs out and `taker` claims the object: (slow's store, its old lease)."""
    clock = Clock()
    slow = ClaimStore(store, 60, "slow", clock)
    lease = slow.acquire(ref, "v1")
    clock.now += 61
    assert ClaimStore(store, 60, taker, clock).acquire(ref, "v1") is not None
    return slow, lease


def test_release_after_the_lease_ran_out_leaves_the_new_holders_claim(store, ref):
    slow, lease = _lease_taken_over(store, ref, "next")
    slow.release(lease)
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "next"


def test_unreadable_claim_is_taken_over_instead_of_blocking_the_object(store, ref):
    store.put(ref, b"not a claim", "application/json")
    assert ClaimStore(store, 60, "a").acquire(ref, "v1") is not None


def test_store_without_conditional_writes_turns_claims_off_instead_of_refusing_events(seaweed, ref, caplog):
    client = seaweed.client()
    claims = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET], client=client), 60, "a")
    with Stubber(client) as stub, caplog.at_level(logging.WARNING, logger="sam3fn.storage"):
        stub.add_client_error("put_object", service_error_code="NotImplemented", http_status_code=501,
                              service_message="A header you provided implies functionality that is not implemented")
        assert claims.acquire(ref, "v1") is not None
    assert not claims.claims_on(BUCKET) and "cross-replica claims are off in bucket claims" in caplog.text
    assert claims.acquire(ref, "v1") is not None  # no store call at all now (the stub has no more answers)


def test_claims_a_bucket_refused_are_tried_again_later_and_meanwhile_stay_on_elsewhere(seaweed, ref):
    """Once off, claims stayed off in every bucket for the pod's life: one refusal (a policy being rolled
    out, a proxy restarting) left every later event open to being done twice."""
    client, clock = seaweed.client(), Clock()
    client.create_bucket(Bucket="claims-elsewhere")
    claims = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET, "claims-elsewhere"], client=client), 60, "a",
                        clock=clock)
    with Stubber(client) as stub:
        stub.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
        off = claims.acquire(ref, "v1")
    assert off is not None and not off.claimed and not claims.claims_on(BUCKET)
    elsewhere = claims.acquire(ObjectRef("claims-elsewhere", ref.key), "v1")
    assert elsewhere.claimed  # a real claim object in the other bucket
    assert ClaimStore(claims.store, 60, "b", clock=clock).acquire(ObjectRef("claims-elsewhere", ref.key), "v1") is None
    clock.now += CLAIMS_RETRY_S
    assert claims.claims_on(BUCKET)
    lease = claims.acquire(ref, "v2")
    assert lease.claimed and json.loads(claims.store.get(ref, 4096)[0])["owner"] == "a"


def test_a_lease_taken_while_claims_were_off_never_deletes_a_claim_written_since(seaweed, store, ref):
    client, clock = seaweed.client(), Clock()
    claims = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET], client=client), 2 * CLAIMS_RETRY_S, "a", clock=clock)
    with Stubber(client) as stub:
        stub.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
        unclaimed = claims.acquire(ref, "v1")
    clock.now += CLAIMS_RETRY_S  # claims back on, the unclaimed lease still live
    assert ClaimStore(store, 600, "b", clock=clock).acquire(ref, "v1") is not None
    claims.release(unclaimed)
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "b"


def test_release_leaves_a_claim_taken_over_for_a_newer_version(store, ref):
    """v2 landed while pod A worked on v1 and pod B took the claim over for v2 (A's lease still live): A's
    release must not delete B's claim, or a copy of v2's event on a third pod would do v2 a second time."""
    old_holder, new_holder = ClaimStore(store, 60, "old"), ClaimStore(store, 60, "new")
    lease = old_holder.acquire(ref, "v1")
    assert new_holder.acquire(ref, "v2") is not None
    old_holder.release(lease)
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "new"
    assert ClaimStore(store, 60, "third").acquire(ref, "v2") is None


def test_release_by_a_holder_whose_clock_is_behind_leaves_the_new_holders_claim(store, ref):
    """Wall clocks differ between pods: by the new holder's clock the lease ran out, by the old holder's it has
    not, so the old holder's own clock cannot tell it the claim is no longer its own."""
    behind, ahead = Clock(), Clock()
    ahead.now += 61
    slow, next_holder = ClaimStore(store, 60, "slow", behind), ClaimStore(store, 60, "next", ahead)
    lease = slow.acquire(ref, "v1")
    assert next_holder.acquire(ref, "v1") is not None
    slow.release(lease)
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "next"


def test_release_deletes_the_holders_own_claim(store, ref):
    claims = ClaimStore(store, 60, "a")
    claims.release(claims.acquire(ref, "v1"))
    assert store.head(ref) is None


def test_store_without_conditional_deletes_still_releases_claims(seaweed, ref, caplog):
    """A store that refuses If-Match on DELETE (501) gets the plain delete it got before, rather than claims
    that linger a whole TTL after each failed event and turn its redeliveries away."""
    client = seaweed.client()
    claims = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET], client=client), 60, "a")
    lease = claims.acquire(ref, "v1")
    with Stubber(client) as stub, caplog.at_level(logging.WARNING, logger="sam3fn.storage"):
        stub.add_client_error("delete_object", service_error_code="NotImplemented", http_status_code=501,
                              expected_params={"Bucket": BUCKET, "Key": ref.key, "IfMatch": f'"{lease.claim_etag}"'})
        stub.add_response("delete_object", {}, expected_params={"Bucket": BUCKET, "Key": ref.key})
        claims.release(lease)
        stub.assert_no_pending_responses()
    assert not claims.store.conditional_deletes and "deletes unconditionally" in caplog.text


def test_a_renewed_lease_is_not_taken_over_when_its_first_ttl_runs_out(store, ref):
    """Events queue for the one inference worker: a holder still waiting when its TTL runs out renews, and
    the claim stands for a full TTL from the renewal."""
    clock = Clock()
    holder, rival = ClaimStore(store, 60, "holder", clock), ClaimStore(store, 60, "rival", clock)
    lease = holder.acquire(ref, "v1")
    clock.now += 50
    renewed = holder.renew(lease)
    assert renewed is not None and renewed.expires_at == clock.now + 60 and renewed.claim_etag != lease.claim_etag
    clock.now += 50  # 100 s after the claim was made, 50 s after the renewal
    assert rival.acquire(ref, "v1") is None
    holder.release(renewed)
    assert store.head(ref) is None


def test_a_lease_taken_over_after_it_ran_out_cannot_be_renewed_back(store, ref):
    slow, lease = _lease_taken_over(store, ref, "taker")
    assert slow.renew(lease) is None
    assert json.loads(store.get(ref, 4096)[0])["owner"] == "taker"


class _ConflictOnce:
    """The seaweed client, but the first conditional create answers as AWS S3 does when another replica's
    conditional write on the same key is in flight: 409 ConditionalRequestConflict."""

    def __init__(self, client) -> None:
        self.client, self.conflicts = client, 1

    def __getattr__(self, name):
        return getattr(self.client, name)

    def put_object(self, **request):
        if "IfNoneMatch" in request and self.conflicts:
            from botocore.exceptions import ClientError

            self.conflicts -= 1
            raise ClientError({"Error": {"Code": "ConditionalRequestConflict", "Message": "conflict"},
                               "ResponseMetadata": {"HTTPStatusCode": 409}}, "PutObject")
        return self.client.put_object(**request)


def test_a_conflict_with_another_replicas_claim_in_flight_loses_the_race_and_keeps_claims_on(seaweed, store, ref):
    """The 409 fell through as a store that refuses conditional writes: claims went off for the rest of the
    pod's life, and this delivery went ahead beside the replica that won, so the object was done twice."""
    winner = ClaimStore(store, 60, "winner")
    lease = winner.acquire(ref, "v1")
    assert lease is not None
    loser = ClaimStore(ObjectStore(seaweed.endpoint, [BUCKET], client=_ConflictOnce(seaweed.client())), 60, "loser")
    assert loser.acquire(ref, "v1") is None
    assert loser.claims_on(BUCKET)
    winner.release(lease)
    loser.store.client.conflicts = 1  # the conflicting write was the winner's delete: the claim is free now
    assert loser.acquire(ref, "v1") is not None
