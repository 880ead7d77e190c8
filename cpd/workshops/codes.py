"""Short join codes a room can read off a projector and type on a phone.

Six characters from an alphabet without look-alikes (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B,
6/G): 22^6 = 113 million codes. A code is short, so it is no secret on its own:
it is accepted only while its workshop is open, and wrong codes are slowed per
client (``cpd.workshops.room``). Typing is forgiving: case, spaces and dashes
are ignored,.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: object) -> str | None:
    """The code as stored, or None when what was typed cannot be a code (never looked up)."""
    if not isinstance(typed, str):
        return None
    text = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def shown(code: str) -> str:
    """Grouped for reading aloud: ``ACD-EFH``."""
    return f"{code[:3]}-{code[3:]}"
