"""One exception hierarchy for everything a caller can get wrong or the core cannot do.

Each error carries a stable machine-readable `code`; the CLI prints `code: message`, the web layer maps
codes to HTTP statuses in one table. Messages are written for the person who sent the input.
"""

from __future__ import annotations

from .prompt_text import excerpt, normalize_prompt


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
    """Prompts that join things SAM 3 finds apart (狗和猫). `joined` holds every such prompt of the request,
    in order: the prompt as sent, and (text, English) for each thing it names, the prompts to send instead,
    so a client can split them all at once without knowing the language's conjunctions."""

    code = "several_things"

    def __init__(self, joined: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(several_things_message(joined))
        self.joined = joined

    def details(self) -> dict:
        return {"joined": [{"prompt": prompt, "parts": [{"text": text, "english": english} for text, english in parts]}
                           for prompt, parts in self.joined]}


def several_things_message(joined: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """'狗和猫' names 2 things (狗 -> dog; 猫 -> cat), ...: the words for one joined prompt (the translator's
    refusal) or for every one of a request (SeveralThingsError)."""
    named = ", ".join(f"{excerpt(normalize_prompt(prompt))} names {len(parts)} things ("
                      + "; ".join(f"{text} -> {english}" for text, english in parts) + ")"
                      for prompt, parts in joined)
    return f"{named}: SAM 3 finds one kind of thing per prompt, so send each as a prompt of its own"
