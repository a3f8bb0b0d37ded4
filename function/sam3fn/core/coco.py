"""COCO-results-style JSON: one detection per instance, category ids per prompt (1-based)."""

from __future__ import annotations

from .results import SegmentResult


def coco_categories(result: SegmentResult) -> list[dict]:
    return [{"id": i + 1, "name": r.model_prompt, "prompt": r.prompt} for i, r in enumerate(result.results)]


def coco_results(result: SegmentResult, image_id: int | str = 1) -> list[dict]:
    """[{image_id, category_id, segmentation (RLE), bbox [x, y, w, h], score, area}, ...]"""
    detections = []
    for cat, prompt in enumerate(result.results, start=1):
        for inst in prompt.instances:
            x0, y0, x1, y1 = inst.box
            detections.append(
                {
                    "image_id": image_id,
                    "category_id": cat,
                    "segmentation": {"size": inst.mask.size, "counts": inst.mask.counts},
                    "bbox": [x0, y0, round(x1 - x0, 2), round(y1 - y0, 2)],
                    "score": inst.score,
                    "area": inst.area,
                }
            )
    return detections
