"""The three exported stages, as modules with plain tensor signatures, and their example inputs.

    image:   pixels (B, 3, S, S)                           -> h0, h1, h2, p0, p1, p2  (B, C, h_i, w_i)
    text:    ids (P, 32) int64, mask (P, 32) int64          -> features (P, 32, D)
    decoder: h0, h1, h2, p0, p1, p2 (1, ...), text (P, 32, D), mask (P, 32)
                                                         -> logits (P, Q), presence (P, 1),
                                                              boxes (P, Q, 4), masks (P, Q, m, m)
Dynamic: image batch 1..8, prompt batch 1..16. Example sizes are 2: a size-1 example gets specialised.
The decoder takes one image's features and broadcasts them over the prompts inside the compiled graph,
so a call never materialises P copies of the 288 x 288 feature maps before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.export import Dim

MAX_IMAGES, MAX_PROMPTS, TEXT_TOKENS = 8, 16, 32


class ImageStage(torch.nn.Module):
    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixels):
        out = self.model.get_vision_features(pixel_values=pixels)
        return (*out.fpn_hidden_states[:-1], *out.fpn_position_encoding[:-1])


class TextStage(torch.nn.Module):
    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids, mask):
        return self.model.get_text_features(input_ids=ids, attention_mask=mask).pooler_output


class DecoderStage(torch.nn.Module):
    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, h0, h1, h2, p0, p1, p2, text, mask):
        from transformers.modeling_outputs import BaseModelOutputWithPooling
        from transformers.models.sam3.modeling_sam3 import Sam3VisionEncoderOutput

        prompts = text.shape[0]
        h0, h1, h2, p0, p1, p2 = (f.expand(prompts, -1, -1, -1) for f in (h0, h1, h2, p0, p1, p2))
        vision = Sam3VisionEncoderOutput(fpn_hidden_states=(h0, h1, h2, h2), fpn_position_encoding=(p0, p1, p2, p2))
        out = self.model(vision_embeds=vision, text_embeds=BaseModelOutputWithPooling(pooler_output=text),
                         attention_mask=mask)
        return out.pred_logits, out.presence_logits, out.pred_boxes, out.pred_masks


@dataclass
class StageSpec:
    name: str
    module: torch.nn.Module
    example: tuple
    dynamic: tuple
    max_batch: int  # the largest batch the compiled stage takes (TensorRT refuses more; the runtime splits)


def stage_specs(model, image_size: int, vocab_size: int, device, dtype) -> list[StageSpec]:
    """Example inputs are real model outputs, so the decoder sees the exact feature shapes of the model."""
    pixels = torch.randn(2, 3, image_size, image_size, device=device, dtype=dtype)
    ids = torch.randint(0, vocab_size, (2, TEXT_TOKENS), device=device)
    mask = torch.ones(2, TEXT_TOKENS, dtype=torch.long, device=device)
    mask[:, 6:] = 0
    image, text = ImageStage(model).eval(), TextStage(model).eval()
    with torch.no_grad():
        features = tuple(f[:1].contiguous() for f in image(pixels))
        prompt_features = text(ids, mask)
    images, prompts = Dim("images", min=1, max=MAX_IMAGES), Dim("prompts", min=1, max=MAX_PROMPTS)
    return [
        StageSpec("image", image, (pixels,), ({0: images},), MAX_IMAGES),
        StageSpec("text", text, (ids, mask), ({0: prompts}, {0: prompts}), MAX_PROMPTS),
        StageSpec("decoder", DecoderStage(model).eval(), (*features, prompt_features, mask),
                  (*({} for _ in features), {0: prompts}, {0: prompts}), MAX_PROMPTS),
    ]


def export_stage(spec: StageSpec, model) -> torch.export.ExportedProgram:
    """torch.export under no_grad (not inference_mode: its tensors cannot be exported)."""
    with torch.no_grad(), _static_decoder_grid(model, spec):
        return torch.export.export(spec.module, spec.example, dynamic_shapes=spec.dynamic)


class _static_decoder_grid:
    """The DETR decoder builds its box position bias from `spatial_shapes`, a tensor; under export that
    makes `arange(height)` data-dependent and export fails. The feature grid is fixed by the image size,
    so pass it as Python ints while exporting the decoder."""

    def __init__(self, model, spec: StageSpec) -> None:
        self.decoder = model.detr_decoder
        self.active = spec.name == "decoder"
        self.grid = tuple(int(s) for s in spec.example[2].shape[-2:]) if self.active else None

    def __enter__(self):
        if self.active:
            original = self.decoder._get_rpb_matrix
            self.decoder._get_rpb_matrix = lambda boxes, _shape: original(boxes, self.grid)
        return self

    def __exit__(self, *exc):
        if self.active:
            del self.decoder._get_rpb_matrix  # the instance attribute shadowed the class method
