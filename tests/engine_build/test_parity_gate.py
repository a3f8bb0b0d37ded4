"""The parity gate passes identical outputs and fails each kind of drift it is meant to catch."""

from __future__ import annotations

import pytest
import torch

from engine_build.parity import failures, parity_metrics


def outputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 30, generator=g), torch.randn(2, 1, generator=g), torch.rand(2, 30, 4, generator=g),
            torch.randn(2, 30, 16, 16, generator=g) * 4)


def test_identical_outputs_pass():
    ref = outputs()
    metrics = parity_metrics(ref, ref)
    assert failures(metrics) == [] and metrics["mask_cosine"] == pytest.approx(1.0)


@pytest.mark.parametrize("broken,metric", [
    (lambda o: (o[0], o[1], o[2] + 0.05, o[3]), "box_max_abs"),
    (lambda o: (o[0] + 0.5, o[1], o[2], o[3]), "score_max_abs"),
    (lambda o: (o[0], o[1], o[2], o[3] + torch.randn_like(o[3]) * 2), "mask_cosine"),
    (lambda o: (o[0], o[1], o[2], -o[3]), "mask_iou_top20"),
])
def test_each_kind_of_drift_fails_the_gate(broken, metric):
    ref = outputs()
    bad = failures(parity_metrics(ref, broken(ref)))
    assert any(b.startswith(metric) for b in bad)


def test_mask_cosine_stays_exact_over_full_size_mask_logits():
    # 200 queries of 288 x 288 mask logits at a large scale, as a full-size model outputs: float32 sums
    # over 16M values report about 0.9998 for a true cosine of about 0.998, which would pass the gate.
    g = torch.Generator().manual_seed(0)
    ref = outputs()
    masks = torch.randn(1, 200, 288, 288, generator=g) * 150
    noisy = masks + torch.randn(masks.shape, generator=g) * 9
    pair = [(ref[0][:1], ref[1][:1], ref[2][:1], m) for m in (masks, noisy)]
    metrics = parity_metrics(*pair)
    assert metrics["mask_cosine"] == pytest.approx(0.9982, abs=2e-4)
    assert any(b.startswith("mask_cosine") for b in failures(metrics))
