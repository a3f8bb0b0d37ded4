"""The parity gate: a compiled stage must reproduce float32 eager on fresh random inputs.

Metrics on the decoder's outputs: mask-logit cosine, box and score max abs error (normalised units),
and the lowest IoU of thresholded masks over the 20 highest-scoring queries of each prompt.
"""

from __future__ import annotations

import torch

GATES = {  # metric: (direction, bound)
    "mask_cosine": (">=", 0.999),
    "box_max_abs": ("<=", 1e-2),
    "score_max_abs": ("<=", 1e-2),
    "mask_iou_top20": (">=", 0.98),
}


def _scores(logits, presence):
    return logits.float().sigmoid() * presence.float().sigmoid()


def parity_metrics(reference: tuple, candidate: tuple, top: int = 20, mask_threshold: float = 0.5) -> dict:
    """reference/candidate: (logits (P, Q), presence (P, 1), boxes (P, Q, 4), masks (P, Q, m, m))."""
    ref = [t.float().cpu() for t in reference]
    cand = [t.float().cpu() for t in candidate]
    ref_scores, cand_scores = _scores(ref[0], ref[1]), _scores(cand[0], cand[1])
    # float64: over the ~50M mask logits of a full-size model, float32 sums drift enough to report a
    # cosine above 1, which could hide a real miss of the 0.999 gate.
    cosine = torch.nn.functional.cosine_similarity(ref[3].double().flatten(), cand[3].double().flatten(), dim=0)
    k = min(top, ref_scores.shape[1])
    best = ref_scores.topk(k, dim=1).indices
    ious = []
    for p in range(best.shape[0]):
        a = ref[3][p, best[p]].sigmoid() > mask_threshold
        b = cand[3][p, best[p]].sigmoid() > mask_threshold
        union = (a | b).flatten(1).sum(1)
        inter = (a & b).flatten(1).sum(1)
        ious.append(torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union, dtype=torch.float)))
    return {
        "mask_cosine": float(cosine),
        "box_max_abs": float((ref[2] - cand[2]).abs().max()),
        "score_max_abs": float((ref_scores - cand_scores).abs().max()),
        "mask_iou_top20": float(torch.cat(ious).min()),
    }


def failures(metrics: dict) -> list[str]:
    out = []
    for name, (direction, bound) in GATES.items():
        value = metrics[name]
        ok = value >= bound if direction == ">=" else value <= bound
        if not ok:
            out.append(f"{name} = {value:.6g}, needs {direction} {bound}")
    return out
