"""Decoder outputs for post-processing tests, and transformers' own post-processing to hold them to."""

from __future__ import annotations

import ast
import importlib.util

import torch

from sam3fn.core.engine import RawOutputs


def reference_postprocess():
    """transformers' own function. Imported normally where torchvision works; else compiled from the
    installed transformers source (its module imports torchvision only for NMS, which this never calls)."""
    try:
        from transformers.models.sam3.image_processing_sam3 import Sam3ImageProcessor

        return lambda *a, **k: Sam3ImageProcessor.post_process_instance_segmentation(None, *a, **k)
    except Exception:  # noqa: BLE001 - no CPU torchvision wheel exists on the dev machines
        pass
    path = importlib.util.find_spec("transformers.models.sam3.image_processing_sam3").origin
    tree = ast.parse(open(path, encoding="utf-8").read())
    wanted = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_scale_boxes"]
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Sam3ImageProcessor")
    wanted += [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "post_process_instance_segmentation"]
    assert len(wanted) == 2, "transformers moved its SAM 3 post-processing; update this test"
    namespace = {"torch": torch}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), path, "exec"), namespace)
    return lambda *a, **k: namespace["post_process_instance_segmentation"](None, *a, **k)


class DecoderOutputs:
    """RawOutputs under the attribute names transformers' post-processing reads."""

    def __init__(self, raw: RawOutputs):
        self.pred_logits, self.pred_boxes = raw.logits, raw.boxes
        self.pred_masks, self.presence_logits = raw.masks, raw.presence


def random_raw(prompts=3, queries=24, side=18, seed=0) -> RawOutputs:
    """Noisy (prompts, queries) outputs on a side x side mask grid: many pixels near any threshold."""
    g = torch.Generator().manual_seed(seed)
    corners = torch.rand(prompts, queries, 2, 2, generator=g).sort(dim=2).values
    return RawOutputs(
        logits=torch.randn(prompts, queries, generator=g) * 2,
        presence=torch.randn(prompts, 1, generator=g) + 1,
        boxes=corners.permute(0, 1, 3, 2).reshape(prompts, queries, 4),
        masks=torch.randn(prompts, queries, side, side, generator=g) * 3,
    )
