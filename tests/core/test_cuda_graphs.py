"""CUDA-graph replay: buckets and padding everywhere; capture, replay and fallback where CUDA exists."""

from __future__ import annotations

import logging

import pytest
import torch

from sam3fn.core.cuda_graphs import GraphedStage, bucket_for, fill


@pytest.mark.parametrize("batch,bucket", [(1, 1), (2, 2), (3, 4), (5, 8), (8, 8), (9, 16), (16, 16), (17, None)])
def test_a_batch_runs_in_the_smallest_bucket_that_holds_it(batch, bucket):
    assert bucket_for(batch) == bucket


def test_spare_rows_of_a_batched_buffer_repeat_the_last_real_row():
    static = torch.full((4, 2, 3), -1.0)
    value = torch.arange(12, dtype=torch.float32).reshape(2, 2, 3)
    fill(static, value, batched=True)
    assert torch.equal(static[:2], value)
    assert torch.equal(static[2], value[1]) and torch.equal(static[3], value[1])


def test_an_unbatched_buffer_takes_the_value_whole():
    static = torch.zeros(1, 3, 5, 5)
    value = torch.randn(1, 3, 5, 5)
    fill(static, value, batched=False)
    assert torch.equal(static, value)


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA GPU")


def decoder_like(features, text, mask):
    """Rows are independent, like the decoder's prompts: output row i depends on input row i only."""
    scores = (text * mask.unsqueeze(-1)).sum(-1) @ torch.ones(text.shape[1], 7, device=text.device)
    return scores, features.mean() + text.sum(dim=(1, 2))


@cuda
def test_replay_equals_the_stage_for_every_batch_size():
    features = torch.randn(1, 8, 16, 16, device="cuda")
    graphed = GraphedStage(decoder_like, batched=(False, True, True), name="test")
    for rows in (1, 3, 2, 5, 16, 3):
        text = torch.randn(rows, 6, 4, device="cuda")
        mask = (torch.rand(rows, 6, device="cuda") > 0.3).float()
        got, want = graphed(features, text, mask), decoder_like(features, text, mask)
        for g, w in zip(got, want):
            torch.testing.assert_close(g, w)
    assert sorted(graphed.graphs) == [1, 2, 4, 8, 16] and graphed.disabled is None


@cuda
def test_outputs_survive_the_next_replay():
    graphed = GraphedStage(lambda x: x * 2, batched=(True,), name="test")
    first = graphed(torch.ones(2, 3, device="cuda"))[0]
    graphed(torch.full((2, 3), 5.0, device="cuda"))
    assert torch.equal(first, torch.full((2, 3), 2.0, device="cuda"))


@cuda
def test_a_stage_that_cannot_be_captured_runs_uncaptured_and_says_why(caplog):
    def syncs(x):  # .item() synchronises with the host, which a capture forbids
        return x * float(x.sum().item())

    graphed = GraphedStage(syncs, batched=(True,), name="syncing")
    x = torch.ones(3, 2, device="cuda")
    stream = torch.cuda.current_stream()
    with caplog.at_level(logging.WARNING, logger="sam3fn.core.cuda_graphs"):
        got = graphed(x)[0]
    torch.testing.assert_close(got, syncs(x))
    assert graphed.disabled and not graphed.graphs
    assert torch.cuda.current_stream() == stream, "the refused capture left this thread on its capture stream"
    assert any("CUDA graphs off for the syncing stage" in r.getMessage() for r in caplog.records)
    torch.testing.assert_close(graphed(x * 2)[0], syncs(x * 2))  # and keeps working, uncaptured


@cuda
def test_a_refused_capture_leaves_random_numbers_working_on_the_device():
    graphed = GraphedStage(lambda x: x * float(x.sum().item()), batched=(True,), name="syncing")
    graphed(torch.ones(3, 2, device="cuda"))
    assert graphed.disabled
    torch.manual_seed(0)
    first = torch.randn(4, device="cuda")
    torch.manual_seed(0)
    torch.testing.assert_close(torch.randn(4, device="cuda"), first)  # and still follows the seed
