"""The GIFT question as the item types see it: answers with weights and feedback, plus what GIFT cannot hold.

Kept apart from the file writer and reader (``cpd.interop.gift``) so that the item
types can build and read it without importing the format code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GiftAnswer:
    text: str
    fraction: float  # percent of the question's mark this answer earns, -100..100
    feedback: str = ""
    match: str | None = None  # matching questions: the answer this sub-question (``text``) pairs with


@dataclass(frozen=True)
class GiftBody:
    """The answer part of one GIFT question.

    ``extra`` is what GIFT has no place for (ids, evidence, rationales of a
    matrix); our export carries it in a ``// @cpd`` comment, so our own files come
    back whole. ``lossy`` says why the GIFT form is only the nearest one; the
    export turns it into a warning naming the item.
    """

    answers: tuple[GiftAnswer, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    lossy: str | None = None

    @property
    def matching(self) -> bool:
        return bool(self.answers) and all(a.match is not None for a in self.answers)

    @property
    def one_right(self) -> bool:
        """One answer earns everything and the others nothing: GIFT's ``=``/``~`` form."""
        full = [a for a in self.answers if a.fraction == 100]
        return len(full) == 1 and all(a.fraction == 0 for a in self.answers if a is not full[0])


def weight(k: int) -> float:
    """The GIFT weight (percent, five decimals as Moodle writes them, e.g. 33.33333) of one of ``k`` equal shares."""
    return round(100 / k, 5)
