"""One exception hierarchy for everything a caller can get wrong or the core cannot do.

Each error carries a stable machine-readable `code`; the CLI prints `code: message`, the web layer maps
codes to HTTP statuses in one table. Messages are written for the person who sent the input.
"""

from __future__ import annotations


class Sam3fnError(Exception):
    """Base class. `code` is stable across releases; `message` is for humans."""

    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def details(self) -> dict:
        """Fields beside `code` and `message` that a program can act on, as JSON builtins: every error body
        and recorded error carries them (none for most errors)."""
        return {}


class ModelDirError(Sam3fnError):
    """The model directory is missing or incomplete (names the missing file and how to fetch it)."""

    code = "model_unavailable"


class InputError(Sam3fnError):
    """Anything wrong with what the caller sent."""

    code = "invalid_input"


class ImageError(InputError):
    """Unreadable, empty, truncated or not-an-image data."""

    code = "invalid_image"


class ImageTooLargeError(ImageError):
    """More pixels than the configured limit (guards against decompression bombs)."""

    code = "image_too_large"


class PromptError(InputError):
    """Empty or otherwise unusable prompt."""

    code = "invalid_prompt"


class SeveralThingsError(PromptError):
    """A prompt that joins things SAM 3 finds apart (狗和猫). `prompt` is the prompt as sent; `parts` are
    (text, English) for each thing, in order: the prompts to send instead, so a client can split it without
    knowing the language's conjunctions."""

    code = "several_things"

    def __init__(self, message: str, *, prompt: str, parts: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.prompt = prompt
        self.parts = parts

    def details(self) -> dict:
        return {"prompt": self.prompt, "parts": [{"text": text, "english": english} for text, english in self.parts]}
