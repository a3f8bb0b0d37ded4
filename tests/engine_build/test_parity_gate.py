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
