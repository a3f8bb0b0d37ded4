"""Argos Translate backend: a zh->en `.argosmodel` installed from a local file, run one prompt at a time.

Nothing here downloads anything: the package comes from the path given in the configuration, and the
Argos package index is never read or updated.

Why argostranslate.translate is not used: its PackageTranslation always builds a sentence splitter, and for
a package that ships a `stanza/` folder (the real translate-zh_en does) that is Stanza, whose Pipeline
fetches resources.json from the internet on first use. ARGOS_CHUNK_TYPE=NONE is not implemented in 1.11
(the package is skipped), and importing argostranslate.translate imports stanza, spacy and onnxruntime.
A prompt is one short noun phrase, so this module uses argostranslate's package layer (install, metadata,
tokenizer) and runs the package's CTranslate2 model on the whole prompt as a single sentence, with the
decoding options argostranslate.translate.apply_packaged_translation uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

from .translation import TranslationUnavailable

BEAM_SIZE = 4  # argostranslate's default
LENGTH_PENALTY = 0.2  # as argostranslate.translate.apply_packaged_translation
MAX_DECODING_LENGTH = 64  # tokens: plenty for a noun phrase, and bounds the time a bad input can take
_STAMP = ".sam3fn-source"  # in the installed folder: fingerprint of the archive it came from

_import_lock = threading.Lock()


class ArgosBackend:
    """One zh->en package: installed under `home` on first use, then kept loaded."""

    def __init__(self, model_path: Path, home: Path):
        self.model_path = Path(model_path)
        self.home = Path(home)
        self._lock = threading.Lock()
        self._loaded: tuple[object, object] | None = None  # (argostranslate Package, ctranslate2.Translator)
        self._failure: str | None = None
        self._metadata: dict | None = None

    @property
    def available(self) -> bool:
        return self._loaded is not None or (self._failure is None and self.model_path.is_file())

    def load(self) -> None:
        """Install the package if needed and load its model; raises TranslationUnavailable if it cannot."""
        with self._lock:
            if self._loaded is not None:
                return
            if self._failure is not None:
                raise TranslationUnavailable(self._failure)
            try:
                self._loaded = self._install_and_open()
            except TranslationUnavailable as exc:
                self._failure = str(exc)
                raise
            except (OSError, RuntimeError, ValueError) as exc:  # unwritable home, damaged model files
                self._failure = f"Argos model {self.model_path} could not be installed under {self.home}: {exc}"
                raise TranslationUnavailable(self._failure) from exc
            self._decode("狗")  # the first CTranslate2 call allocates its buffers: pay for it here

    def translate(self, text: str) -> str:
        """The package's best translation of `text`, translated as one sentence."""
        self.load()
        return self._decode(text)

    def _decode(self, text: str) -> str:
        package, translator = self._loaded
        tokens = package.tokenizer.encode(text)
        prefix = [[package.target_prefix]] if package.target_prefix else None
        result = translator.translate_batch(
            [tokens], target_prefix=prefix, beam_size=BEAM_SIZE, num_hypotheses=1, length_penalty=LENGTH_PENALTY,
            replace_unknowns=True, max_decoding_length=MAX_DECODING_LENGTH,
        )  # fmt: skip
        value = package.tokenizer.decode(result[0].hypotheses[0])
        if package.target_prefix and value.startswith(package.target_prefix):
            value = value[len(package.target_prefix) :]
        return value.strip()

    def describe(self) -> dict:
        info = {"model": str(self.model_path), "loaded": self._loaded is not None}
        try:
            metadata = self._archive_metadata()
        except TranslationUnavailable as exc:
            return {**info, "error": str(exc)}
        keys = ("from_code", "to_code", "package_version", "argos_version")
        return {**info, **{key: metadata.get(key) for key in keys}}

    def _archive_metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = read_archive(self.model_path)[1]
        return self._metadata

    def _install_and_open(self) -> tuple[object, object]:
        top, metadata, fingerprint = read_archive(self.model_path)  # before argos fixes its directories
        self._metadata = metadata
        if (metadata.get("from_code"), metadata.get("to_code")) != ("zh", "en"):
            raise TranslationUnavailable(
                f"Argos model {self.model_path} translates {metadata.get('from_code')}->{metadata.get('to_code')}, "
                "not zh->en (argos_model / SAM3FN_ARGOS_MODEL)"
            )
        package_module = import_argos_package(self.home)
        installed = packages_dir() / top
        if _stamp(installed) != fingerprint:
            shutil.rmtree(installed, ignore_errors=True)  # files of another archive must not linger
            package_module.install_from_path(self.model_path)
            (installed / _STAMP).write_text(fingerprint)
        package = package_module.Package(installed)
        if not hasattr(package, "tokenizer"):
            raise TranslationUnavailable(f"Argos model {self.model_path} has no sentencepiece.model or bpe.model")
        return package, _open_translator(installed / "model")


def read_archive(path: Path) -> tuple[str, dict, str]:
    """(top-level folder, metadata.json, fingerprint) of an .argosmodel, without unpacking it.

    The fingerprint hashes the zip's directory (names, CRCs, sizes): it changes whenever a member does.
    """
    if not path.is_file():
        # An installed package is a directory (Argos unpacks them so): "does not exist" would be untrue.
        problem = "is a directory, not the .argosmodel file" if path.is_dir() else "does not exist"
        raise TranslationUnavailable(f"Argos model {path} {problem} (argos_model / SAM3FN_ARGOS_MODEL)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            tops = {m.filename.split("/")[0] for m in members}
            if len(tops) != 1:
                raise TranslationUnavailable(f"Argos model {path} should hold one folder, found {sorted(tops)}")
            top = tops.pop()
            metadata = json.loads(archive.read(f"{top}/metadata.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TranslationUnavailable(f"Argos model {path} is not a valid .argosmodel: {exc}") from exc
    listing = sorted((m.filename, m.CRC, m.file_size) for m in members)
    return top, metadata, hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def _stamp(installed: Path) -> str | None:
    try:
        return (installed / _STAMP).read_text()
    except OSError:
        return None


def _open_translator(model_dir: Path):
    import ctranslate2

    # The GPU belongs to SAM 3; a few words translate in milliseconds on the CPU. compute_type "default"
    # keeps the type the package was converted with (int8 for the published Argos packages).
    threads = max(1, min(4, os.cpu_count() or 1))
    return ctranslate2.Translator(
        str(model_dir), device="cpu", compute_type="default", inter_threads=1, intra_threads=threads
    )


def import_argos_package(home: Path):
    """Import argostranslate.package with its data under `home`, and return the module.

    argostranslate.settings reads its directories from the environment once, when it is first imported,
    and creates them (by default under ~/.local and ~/.config, which a serverless container may not be
    able to write): so the environment is pointed at `home` around that import, then restored. The
    directories are fixed for the rest of the process, hence one argos home per process.
    """
    with _import_lock:
        if "argostranslate.settings" not in sys.modules:
            with _environment(_argos_environment(home)):
                import argostranslate.package  # noqa: F401
        import argostranslate.package

    actual = packages_dir()
    if actual.resolve() != (home / "packages").resolve():
        raise TranslationUnavailable(
            f"argostranslate already uses {actual} in this process and cannot switch to {home / 'packages'}: "
            "use a single argos_home (SAM3FN_ARGOS_HOME) per process"
        )
    return argostranslate.package


def packages_dir() -> Path:
    from argostranslate import settings

    return Path(settings.package_data_dir)


def _argos_environment(home: Path) -> dict[str, str]:
    return {
        "ARGOS_PACKAGES_DIR": str(home / "packages"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),  # also keeps a user's argos settings.json out
        "XDG_CACHE_HOME": str(home / "cache"),
    }


@contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
