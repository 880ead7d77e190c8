"""Short join codes a room can read off a projector and type on a phone.

Six characters from an alphabet without look-alikes (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B,
6/G): 22^6 = 113 million codes. A code is short, so it is no secret on its own:
it is accepted only while its workshop is open, and wrong codes are slowed per
client (``cpd.workshops.room``). Typing is forgiving: case, spaces and dashes
are ignored.

Codes are tokens of the one token service (``cpd.tokens``, purpose ``join_code``,
subject the workshop): issued with this alphabet and length, unique among all
codes ever issued (a clash is retried), looked up only by the SHA-256 of the
normalised code, and revoked when the workshop finishes, so a finished room's
code is told apart from a mistyped one and is never handed out again.

Why the workshop row also keeps the code (``Workshop.shown_code``): the console
and the projector must show it again after a reload, and a hash cannot be
shown. Keeping it defeats nothing the hash could protect. A join code is made
to be public (it is projected on the wall and printed in the join link's QR
code), and a 6-character code's hash is reversed by trying all 113 million
codes in seconds, so a leaked backup would give the live codes either way.
What protects a room is that a code joins only while its token is live, and
that guessing is slowed per client. The stored copy is never used to find a
workshop; only the token lookup is. Deriving the code from a server secret
instead would have lost the codes of rooms open at the upgrade, and every open
room's code whenever that secret changed.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 6


def new_code() -> str:
    """A random code (the token service issues the real ones; this is for tests and guesses)."""
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
