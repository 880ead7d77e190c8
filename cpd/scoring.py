"""Scoring: pure functions, no I/O, the one door pages, the CLI, analytics and tests score through.

The rule for each response shape belongs to its item type (``cpd/items/``);
certainty-based marking (``cpd.behaviours.certainty``) applies over any type; the
pass decision and how a percentage is shown are the grading policy's
(``cpd.behaviours.grading``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cpd.behaviours import certainty as cbm
from cpd.behaviours.certainty import CBM_MARKS, CERTAINTY_LABELS
from cpd.behaviours.grading import passed, percent_of, shown_percent
from cpd.items.base import InvalidResponse, ItemBase, ItemScore
from cpd.items.registry import type_of

__all__ = ["CBM_MARKS", "CERTAINTY_LABELS", "InvalidResponse", "ItemScore", "Totals", "cbm_mark", "incomplete",
           "max_points", "own_response", "passed", "score_item", "total", "uses_certainty"]


def uses_certainty(item: ItemBase, module_cbm: bool) -> bool:
    return cbm.asks_certainty(item, module_cbm)


def cbm_mark(fraction: float, certainty: int) -> float:
    return cbm.mark(fraction, certainty)


MAX_RESPONSE_CHARS = 64 * 1024  # far above any real answer (a few ids of at most 80 characters each)


def own_response(item: ItemBase, response: object) -> dict[str, Any]:
    """The response as its item type reads it: a mapping cut down to the type's own keys, so what is stored of
    an answer is the answer (a form sends nothing else; anything else sent along is dropped, never kept)."""
    if not isinstance(response, Mapping):
        raise InvalidResponse("this answer is not in the form the question asks for")
    keys = type_of(item).response_keys
    own = {k: response[k] for k in keys if k in response}
    if len(repr(own)) > MAX_RESPONSE_CHARS:  # ids are short and few: only a forged answer is this big
        raise InvalidResponse("this answer is larger than any answer to this question can be")
    return own


def incomplete(item: ItemBase, response: Mapping[str, Any]) -> str | None:
    """The plain-words reason a response cannot be scored yet, or None."""
    return type_of(item).incomplete(item, response)


def score_item(item: ItemBase, response: Mapping[str, Any], certainty: int | None = None, *,
               module_cbm: bool = False) -> ItemScore:
    """Score one response; certainty is required exactly when the item asks for it."""
    base = type_of(item).score(item, response)
    if not uses_certainty(item, module_cbm):
        return base
    if certainty is None:
        raise InvalidResponse("say how sure you are (1, 2 or 3)")
    return ItemScore(base.points, base.max_points, base.correct, cbm_mark(base.fraction, certainty), base.parts)


def max_points(item: ItemBase) -> float:
    """Accuracy points available for an item, without a response."""
    return type_of(item).max_points(item)


@dataclass(frozen=True)
class Totals:
    points: float
    max_points: float
    percent: float  # as shown: truncated to one decimal (see cpd.behaviours.grading)
    exact: Fraction  # what the pass decision uses
    cbm_items: int
    cbm_average: float | None  # mean certainty-based mark per certainty item (-6 .. 3)
    overconfident: int  # wrong answers given at certainty 3

    @property
    def exact_percent(self) -> float:
        return float(self.exact)


def total(scores: Iterable[ItemScore], available: float | None = None) -> Totals:
    """Sum accuracy points; ``available`` overrides the denominator (unanswered items count 0)."""
    scores = list(scores)
    pts = sum(s.points for s in scores)
    mx = available if available is not None else sum(s.max_points for s in scores)
    exact = percent_of([pts], [mx])
    marks = [s.cbm_marks for s in scores if s.cbm_marks is not None]
    over = sum(1 for s in scores if s.cbm_marks == cbm.WRONG[3])
    return Totals(pts, mx, shown_percent(exact), exact, len(marks), (sum(marks) / len(marks)) if marks else None, over)
