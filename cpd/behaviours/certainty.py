"""Certainty-based marking over any item type (Moodle's deferredcbm / immediatecbm rule).

For a raw fraction f (0..1) of an item's points and a certainty c of 1, 2 or 3,
the mark is ``RIGHT[c] * f`` when f > 0, else ``WRONG[c]``, with RIGHT = 1/2/3 and
WRONG = 0/-2/-6: being very sure pays when right and costs most when wrong, so
the mark rewards knowing what you know. An item asks for certainty where the
module switches marking on and the item says ``certainty: true``.
"""

from __future__ import annotations

from cpd.items.base import InvalidResponse, ItemBase
from cpd.text import quoted

RIGHT = {1: 1, 2: 2, 3: 3}
WRONG = {1: 0, 2: -2, 3: -6}
# certainty -> (mark if fully right, mark if wrong)
CBM_MARKS: dict[int, tuple[int, int]] = {c: (RIGHT[c], WRONG[c]) for c in RIGHT}
CERTAINTY_LABELS = {1: "Not sure (1)", 2: "Fairly sure (2)", 3: "Very sure (3)"}
BEST_MARK = max(RIGHT.values())
# Shown beside the certainty question, so the learner knows the stakes before answering.
STAKES = "Marks: not sure +1 / 0, fairly sure +2 / −2, very sure +3 / −6 (right / wrong)."


def asks_certainty(item: ItemBase, module_cbm: bool) -> bool:
    """Certainty applies where the module switches it on and the item asks for it, whatever the item's type."""
    return module_cbm and item.certainty


def check_certainty(certainty: object) -> int:
    if type(certainty) is not int or certainty not in RIGHT:  # True and 2.0 are not certainties
        raise InvalidResponse(f"certainty must be 1, 2 or 3, got {quoted(certainty)}")
    return certainty


def mark(fraction: float, certainty: int) -> float:
    """Moodle's current rule: RIGHT[c] x f when f > 0, else WRONG[c]."""
    c = check_certainty(certainty)
    return RIGHT[c] * fraction if fraction > 0 else float(WRONG[c])
