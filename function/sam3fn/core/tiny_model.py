"""A tiny random-weights SAM 3 in exactly the Hugging Face layout of `facebook/sam3`.

Tests and the no-weights demo use it; it loads through the same code path as the real weights. Its output
is noise and is labelled "random weights" everywhere it appears (RANDOM_WEIGHTS_MARKER).
Nothing is downloaded: the CLIP byte-level BPE vocabulary is generated here.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .model_dir import FULL_SIZE, RANDOM_WEIGHTS_MARKER

TINY_IMAGE_SIZE = 112  # 8x8 patches of 14 px; masks come out at 32x32, like 288x288 for 1008 px
TINY_HIDDEN = 32
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def _byte_alphabet() -> list[str]:
    """The 256 printable stand-ins byte-level BPE uses for raw bytes (GPT-2/CLIP convention)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), 256))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def build_clip_tokenizer():
    """A character-level CLIP tokenizer (no merges): every byte and every byte-at-end-of-word is a token."""
    from transformers import CLIPTokenizer

    alphabet = _byte_alphabet()
    tokens = alphabet + [c + "</w>" for c in alphabet] + [BOS, EOS]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=32)


def tiny_config(vocab_size: int, bos_id: int, eos_id: int):
    from transformers import Sam3Config

    h = TINY_HIDDEN
    block = dict(hidden_size=h, num_attention_heads=2, intermediate_size=2 * h)
    return Sam3Config(
        vision_config=dict(
            backbone_config=dict(
                model_type="sam3_vit_model", num_hidden_layers=2, window_size=4, global_attn_indexes=[1],
                image_size=TINY_IMAGE_SIZE, pretrain_image_size=TINY_IMAGE_SIZE, patch_size=14, **block,
            ),
            fpn_hidden_size=h,
            backbone_feature_sizes=[[32, 32], [16, 16], [8, 8]],
        ),
        text_config=dict(
            model_type="clip_text_model", vocab_size=vocab_size, projection_dim=h, num_hidden_layers=2,
            max_position_embeddings=32, bos_token_id=bos_id, eos_token_id=eos_id, pad_token_id=eos_id, **block,
        ),
        geometry_encoder_config=dict(num_layers=1, **block),
        detr_encoder_config=dict(num_layers=1, **block),
        detr_decoder_config=dict(num_layers=2, num_queries=32, **block),
        mask_decoder_config=dict(hidden_size=h, num_attention_heads=2),
    )


# Gains (std x sqrt(fan_in)) of the widened layers below: per layer, independent of the hidden size.
SCORING_GAIN, MASK_EMBEDDER_GAIN = 0.16 * TINY_HIDDEN**0.5, 0.3 * TINY_HIDDEN**0.5


def _spread_scores(model, presence_bias: float) -> None:
    """Random init at std 0.02 gives flat masks and every query the same score, so nothing is selected.

    Widen the query/text scoring projections and the mask embedder, and set the presence logit, so a
    handful of queries per prompt pass the 0.5 threshold with partial masks, and different prompts pick
    different queries: tests then exercise real selection, thresholds and refinement.
    The widths scale with 1/sqrt(fan_in), so the full-size model's logits are as large as the tiny one's
    (a fixed std made its mask logits about 20x larger, std ~150, far beyond a trained model's, and the
    engine parity gate's absolute error bounds then measured that blow-up rather than the engine).
    """
    with torch.no_grad():
        scoring = model.dot_product_scoring
        for proj in (scoring.query_proj, scoring.text_proj):
            proj.weight.normal_(0.0, SCORING_GAIN / proj.in_features**0.5)
        model.detr_decoder.presence_head.layer3.bias.fill_(presence_bias)
        for layer in model.mask_decoder.mask_embedder.layers:
            layer.weight.normal_(0.0, MASK_EMBEDDER_GAIN / layer.in_features**0.5)


def full_size_config():
    """SAM 3's published architecture (transformers' defaults): 1008 px, 32-layer ViT, 24-layer CLIP."""
    from transformers import Sam3Config

    return Sam3Config()


def write_tiny_model(dest: Path | str, seed: int = 0, full_size: bool = False) -> Path:
    """Write config, safetensors, tokenizer and processor files of a random SAM 3 to `dest`.

    `full_size` gives the real architecture with random weights, for latency benchmarks only (latency does
    not depend on weight values); its vocabulary is CLIP's 49408, of which the generated tokenizer uses 514.
    """
    from transformers import Sam3Model
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Writing model shards" bar is noise in server logs and CLI output
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tokenizer = build_clip_tokenizer()
    config = full_size_config() if full_size else tiny_config(len(tokenizer), tokenizer.bos_token_id,
                                                               tokenizer.eos_token_id)
    torch.manual_seed(seed)
    model = Sam3Model(config).eval()
    # Presence sigmoid 0.82 (tiny, 32 queries) or 0.6 (full size, 200 queries): either way a few queries
    # per prompt pass 0.5 (0..7 of the full model's on a random 1008 px image, over 8 prompts), as on a
    # typical photo, so end-to-end timings include a realistic amount of mask post-processing.
    _spread_scores(model, presence_bias=0.4 if full_size else 1.5)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    mean_std = [0.5, 0.5, 0.5]
    side = config.vision_config.image_size
    processor = {
        "processor_class": "Sam3Processor",
        "target_size": side,
        "image_processor": {
            "image_processor_type": "Sam3ImageProcessor",
            "size": {"height": side, "width": side},
            "mask_size": {"height": side * 2 // 7, "width": side * 2 // 7},
            "do_resize": True, "do_rescale": True, "do_normalize": True, "do_convert_rgb": True,
            "rescale_factor": 1 / 255, "image_mean": mean_std, "image_std": mean_std, "resample": 2,
        },
    }
    (dest / "processor_config.json").write_text(json.dumps(processor, indent=2))
    (dest / RANDOM_WEIGHTS_MARKER).write_text(json.dumps(random_weights_marker(seed, full_size), indent=2))
    return dest


def random_weights_marker(seed: int, full_size: bool) -> dict:
    """What the marker file says: the architecture names the model (check_model_dir reads it back)."""
    return {"random_weights": True, "seed": seed, "architecture": FULL_SIZE if full_size else "tiny",
            "note": "generated by `sam3fn tiny-model`; output is noise"}
