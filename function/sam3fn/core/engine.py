"""The tensor core: three stages of SAM 3 behind one small interface.

    encode_image(pixels (B, 3, S, S))            -> ImageFeatures  (FPN levels, batch B)
    encode_text(ids (P, L), mask (P, L))         -> (P, L, D) prompt features
    decode(ImageFeatures (batch 1), feats, mask) -> RawOutputs     (P prompts x Q queries, one image)

The eager engine runs transformers' `Sam3Model`; ahead-of-time engines implement the same three calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ImageFeatures:
    """FPN features of a batch of images, as the decoder consumes them.

    `hidden` and `position`: tuples of (B, C, h_i, w_i) tensors, finest level first (288, 144, 72 px
    grids for a 1008 px input). The coarsest FPN level is never read by the decoder and is not kept.
    """

    hidden: tuple[torch.Tensor, ...]
    position: tuple[torch.Tensor, ...]

    def expand(self, batch: int) -> "ImageFeatures":
        """View one image's features as `batch` copies without copying memory."""
        return ImageFeatures(
            hidden=tuple(t.expand(batch, -1, -1, -1) for t in self.hidden),
            position=tuple(t.expand(batch, -1, -1, -1) for t in self.position),
        )

    def select(self, index: int) -> "ImageFeatures":
        return ImageFeatures(
            hidden=tuple(t[index : index + 1] for t in self.hidden),
            position=tuple(t[index : index + 1] for t in self.position),
        )


@dataclass(frozen=True)
class RawOutputs:
    """Decoder outputs for P prompts and Q queries.

    logits (P, Q), presence (P, 1), boxes (P, Q, 4) normalised xyxy, masks (P, Q, h, w) mask logits.
    """

    logits: torch.Tensor
    presence: torch.Tensor
    boxes: torch.Tensor
    masks: torch.Tensor


class EagerEngine:
    """transformers' Sam3Model, run eagerly in the configured dtype."""

    backend = "eager"

    def __init__(self, model, device: torch.device, dtype: torch.dtype) -> None:
        self.model = model
        self.device = device
        self.dtype = dtype

    @torch.inference_mode()
    def encode_image(self, pixels: torch.Tensor) -> ImageFeatures:
        out = self.model.get_vision_features(pixel_values=pixels.to(self.dtype))
        return ImageFeatures(hidden=tuple(out.fpn_hidden_states[:-1]), position=tuple(out.fpn_position_encoding[:-1]))

    @torch.inference_mode()
    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output

    @torch.inference_mode()
    def decode(self, image: ImageFeatures, text: torch.Tensor, text_mask: torch.Tensor) -> RawOutputs:
        """One image's features (batch 1) against P prompts (text (P, L, D), mask (P, L))."""
        from transformers.modeling_outputs import BaseModelOutputWithPooling
        from transformers.models.sam3.modeling_sam3 import Sam3VisionEncoderOutput

        image = image.expand(text.shape[0])  # transformers wants one feature row per prompt; views, no copies
        # Sam3Model.forward drops the last FPN level itself; pass a placeholder so it drops that one.
        vision = Sam3VisionEncoderOutput(
            fpn_hidden_states=(*image.hidden, image.hidden[-1]),
            fpn_position_encoding=(*image.position, image.position[-1]),
        )
        out = self.model(
            vision_embeds=vision,
            text_embeds=BaseModelOutputWithPooling(pooler_output=text),
            attention_mask=text_mask,
        )
        return RawOutputs(logits=out.pred_logits, presence=out.presence_logits, boxes=out.pred_boxes, masks=out.pred_masks)
