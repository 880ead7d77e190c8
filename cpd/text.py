"""One place that decides what user-supplied text may contain and how it is shown.

Learner text is checked on the way in (clear messages, nothing stored when
refused) and escaped on the way out, wherever it is shown.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, overload

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript:", re.IGNORECASE)


class InvalidText(ValueError):
    pass


@overload
def clean_text(value: object, *, field: str, max_len: int, required: Literal[True] = ..., multiline: bool = False) -> str: ...
@overload
def clean_text(value: object, *, field: str, max_len: int, required: bool, multiline: bool = False) -> str | None: ...
def clean_text(value: object, *, field: str, max_len: int, required: bool = True, multiline: bool = False) -> str | None:
    """Normalise one text field or raise InvalidText with a message a learner can act on."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidText(f"{field}: expected text")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if required:
            raise InvalidText(f"{field}: please fill this in")
        return None
    if len(text) > max_len:
        raise InvalidText(f"{field}: at most {max_len} characters, this has {len(text)}")
    allowed_controls = "\n\t" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed_controls for ch in text):
        raise InvalidText(f"{field}: contains control characters")
    if any(ord(ch) in BIDI_CONTROLS for ch in text):
        raise InvalidText(f"{field}: contains invisible direction-override characters")
    if _MARKUP.search(text):
        raise InvalidText(f"{field}: HTML or script is not accepted here; please write plain text")
    return text


def quoted(value: object, limit: int = 40) -> str:
    """What someone sent, quoted in a message and cut short: a message never echoes a megabyte back."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)


def terminal_safe(value: object) -> str:
    """Text fit for a terminal: no escape sequences, control characters or bidi overrides.

    Names and reasons are user input; printed raw, ``\\x1b]...`` could retitle or
    rewrite the reader's terminal, and a bidi override could disguise an id.
    """
    text = _ANSI.sub("", str(value)).translate(BIDI_CONTROLS)
    return "".join(ch if unicodedata.category(ch) != "Cc" else "?" for ch in text)
