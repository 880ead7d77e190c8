"""One place that decides what user-supplied text may contain and how it is shown.

Learner text is checked on the way in (clear messages, nothing stored when
refused) and escaped on the way out, wherever it is shown.
"""

from __future__ import annotations

import html
import re
import unicodedata

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript:", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:$<])")


class InvalidText(ValueError):
    pass


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
    if _MARKUP.search(text):
        raise InvalidText(f"{field}: HTML or script is not accepted here; please write plain text")
    return text


def escape_markdown(text: str) -> str:
    """Make text inert for st.markdown (links, images, colour directives, HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def terminal_safe(text: str) -> str:
    """Drop control characters (ANSI escapes included) before printing to a terminal."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch == "\n")
