"""A tiny zh->en Argos Translate package, trained here in seconds so tests never download one.

The package has the layout of the real `translate-zh_en` package: metadata.json, a CTranslate2 model in
`model/`, one shared `sentencepiece.model`, and a `stanza/` folder. The real package ships a Stanza
tokenizer there; its mere presence makes argostranslate pick its Stanza sentence splitter, which fetches
resources from the internet on first use. Ours holds only a README, which is enough to reproduce that trap.

How it is made: a SentencePiece model is trained on both sides of PAIRS, a MarianMTModel of a few
thousand parameters is trained with torch until greedy decoding reproduces every pair, and CTranslate2's
TransformersConverter converts it, exactly as real Marian models are converted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Source phrase -> what the tiny model answers. Some are covered by the sam3fn glossary rules, most are
# not (the Argos path must really be exercised); a few answers carry the article / period / capital a
# real model produces, and one answer contains Chinese, which sam3fn must refuse to pass on.
PAIRS: dict[str, str] = {
    "狗": "dog",
    "穿蓝色夹克的人": "person in blue jacket",
    "蓝莓飞船": "blueberry spaceship",
    "哗啦啦的瀑布": "The roaring waterfall.",
    "停在路边的自行车": "a bicycle parked by the road",
    "正在看书的老人": "old man reading a book",
    "飞翔的海鸥": "flying seagull",
    "会唱歌的茶壶": "A Singing Teapot!",
    "彩虹色的章鱼": "rainbow octopus",
    "戴着王冠的青蛙": "frog wearing a crown",
    "踢足球的机器人": "robot playing football",
    "未知的东西": "未知 thing",
}

PACKAGE_VERSION = "0.0.1-tiny"
ARGOS_VERSION = "1.11.0"

_STANZA_README = """Deliberately empty. The real translate-zh_en package ships Stanza's Chinese tokenizer here;
argostranslate selects its Stanza sentence splitter whenever this folder exists.
"""


@dataclass(frozen=True)
class _SpmVocab:
    """What CTranslate2's Marian converter reads from a tokenizer: the vocabulary and special tokens."""

    pieces: tuple[str, ...]
    eos_token: str = "</s>"
    unk_token: str = "<unk>"

    def get_vocab(self) -> dict[str, int]:
        return {piece: i for i, piece in enumerate(self.pieces)}


def build_tiny_argos_model(dest_dir: Path, pairs: dict[str, str] | None = None) -> Path:
    """Build (or reuse) `dest_dir/<hash>/translate-zh_en-tiny.argosmodel` and return its path.

    The hash covers the pairs and the versions of the training and conversion libraries, so a cache
    directory can be kept across sessions.
    """
    pairs = dict(PAIRS if pairs is None else pairs)
    out_dir = Path(dest_dir) / _build_key(pairs)
    archive = out_dir / "translate-zh_en-tiny.argosmodel"
    if archive.exists():
        return archive
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as work:
        work = Path(work)
        package_dir = work / "translate-zh_en-tiny"
        package_dir.mkdir()
        spm_path = _train_sentencepiece(pairs, package_dir / "sentencepiece.model")
        with _quiet_transformers():
            marian_dir = _train_marian(pairs, spm_path, work / "marian")
            _convert(marian_dir, spm_path, package_dir / "model")
        _check_converted(pairs, spm_path, package_dir / "model")
        _write_metadata(package_dir)
        partial = work / archive.name
        _zip_package(package_dir, partial)
        os.replace(partial, archive)  # atomic: a concurrent or interrupted build never leaves half a file
    return archive


@contextmanager
def _quiet_transformers():
    """No weight-loading progress bars in test and benchmark output."""
    from transformers.utils import logging

    was_enabled = logging.is_progress_bar_enabled()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            logging.enable_progress_bar()


def _build_key(pairs: dict[str, str]) -> str:
    import ctranslate2
    import sentencepiece
    import torch
    import transformers

    versions = [ctranslate2.__version__, sentencepiece.__version__, torch.__version__, transformers.__version__]
    recipe = Path(__file__).read_text(encoding="utf-8")  # any change to how the model is made
    blob = json.dumps([sorted(pairs.items()), versions, recipe], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _train_sentencepiece(pairs: dict[str, str], model_path: Path) -> Path:
    import sentencepiece as spm

    corpus = model_path.with_suffix(".txt")
    corpus.write_text("\n".join([*pairs.keys(), *pairs.values()]) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(model_path.with_suffix("")),
        model_type="unigram",
        vocab_size=160,
        hard_vocab_limit=False,  # a dozen phrases cannot fill a fixed vocabulary
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    corpus.unlink()
    model_path.with_suffix(".vocab").unlink()
    return model_path


def _pieces(spm_path: Path) -> tuple[str, ...]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    return tuple(sp.id_to_piece(i) for i in range(sp.get_piece_size()))


def _train_marian(pairs: dict[str, str], spm_path: Path, out_dir: Path, max_steps: int = 1500) -> Path:
    """Train a tiny MarianMTModel until greedy decoding reproduces every pair; save it to `out_dir`."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    vocab = {piece: i for i, piece in enumerate(_pieces(spm_path))}
    pad_id = len(vocab)  # Marian convention: <pad> is last and is also the decoder start token
    eos_id = vocab["</s>"]

    def ids(text: str) -> list[int]:
        return [vocab[p] for p in sp.encode(text, out_type=str)]

    # Argos feeds CTranslate2 the source pieces alone; targets end with </s> so decoding stops.
    sources, targets = [ids(s) for s in pairs], [ids(t) + [eos_id] for t in pairs.values()]
    config = MarianConfig(
        vocab_size=pad_id + 1, d_model=64, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
        max_position_embeddings=64, pad_token_id=pad_id, eos_token_id=eos_id, decoder_start_token_id=pad_id,
        forced_eos_token_id=eos_id, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
    )  # fmt: skip
    torch.manual_seed(0)
    model = MarianMTModel(config)
    batch = _pad_batch(sources, targets, pad_id)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(max_steps):
        model.train()
        loss = model(**batch).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        _zero_pad_embedding(model, pad_id)
        if step % 50 == 49 and _memorised(model, batch, targets):
            break
    else:
        raise RuntimeError(f"tiny Marian model did not memorise its {len(pairs)} pairs in {max_steps} steps")
    model.save_pretrained(out_dir)
    return out_dir


def _zero_pad_embedding(model, pad_id: int) -> None:
    """CTranslate2 starts Marian decoders from a zero vector, Transformers from the <pad> embedding.

    The tied output projection trains that row, so reset it after every step to keep the two equal.
    """
    import torch

    with torch.no_grad():
        for embedding in (model.model.shared, model.model.encoder.embed_tokens, model.model.decoder.embed_tokens):
            embedding.weight[pad_id].zero_()


def _pad_batch(sources: list[list[int]], targets: list[list[int]], pad_id: int) -> dict:
    import torch

    width_s, width_t = max(map(len, sources)), max(map(len, targets))
    input_ids = torch.tensor([s + [pad_id] * (width_s - len(s)) for s in sources])
    labels = torch.tensor([t + [-100] * (width_t - len(t)) for t in targets])  # -100: ignored by the loss
    return {"input_ids": input_ids, "attention_mask": (input_ids != pad_id).long(), "labels": labels}


def _memorised(model, batch: dict, targets: list[list[int]]) -> bool:
    import torch

    model.eval()
    with torch.no_grad():
        out = model.generate(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], num_beams=1, do_sample=False,
            max_new_tokens=max(map(len, targets)) + 2,
        )  # fmt: skip
    pad = model.config.pad_token_id
    for row, target in zip(out.tolist(), targets):
        decoded = [t for t in row[1:] if t != pad]  # row[0] is the decoder start token
        if decoded[: len(target)] != target:
            return False
    return True


def _convert(marian_dir: Path, spm_path: Path, model_dir: Path) -> None:
    from ctranslate2.converters import TransformersConverter

    vocab = _SpmVocab((*_pieces(spm_path), "<pad>"))

    class _Converter(TransformersConverter):
        # Transformers' MarianTokenizer wants separate source/target SentencePiece files and a vocab.json;
        # the converter only reads the vocabulary and the special tokens, so give it exactly those.
        def load_tokenizer(self, tokenizer_class, model_name_or_path, **kwargs):
            return vocab

    _Converter(str(marian_dir)).convert(str(model_dir), quantization="float32")


def _check_converted(pairs: dict[str, str], spm_path: Path, model_dir: Path) -> None:
    """Fail the build unless the CTranslate2 model answers every pair, decoded the way argostranslate does."""
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    translator = ctranslate2.Translator(str(model_dir), device="cpu", intra_threads=1)
    sources = [sp.encode(source, out_type=str) for source in pairs]
    results = translator.translate_batch(sources, beam_size=4, length_penalty=0.2, replace_unknowns=True)
    got = [sp.decode_pieces(r.hypotheses[0]) for r in results]
    wrong = {s: g for (s, want), g in zip(pairs.items(), got) if g != want}
    if wrong:
        raise RuntimeError(f"converted tiny model disagrees with its training pairs: {wrong}")


def _write_metadata(package_dir: Path) -> None:
    metadata = {
        "package_version": PACKAGE_VERSION,
        "argos_version": ARGOS_VERSION,
        "from_code": "zh",
        "from_name": "Chinese",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
        "links": [],
    }
    (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    (package_dir / "README.md").write_text("Tiny zh->en test package built by tests/support/tiny_argos.py.\n")
    (package_dir / "stanza").mkdir()
    (package_dir / "stanza" / "README.md").write_text(_STANZA_README)


def _zip_package(package_dir: Path, archive: Path) -> None:
    """Zip as argospm does: one top-level folder holding metadata.json and the model."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(package_dir.rglob("*")):
            zf.write(path, path.relative_to(package_dir.parent).as_posix())


def installed_dir_name() -> str:
    """The folder name the package unpacks to inside an Argos packages directory."""
    return "translate-zh_en-tiny"

