"""Scoring rules: pure functions, no I/O.

Pages, the CLI, analytics and tests all score through here, so a rule is
written once. Responses are plain dicts (what the store keeps as JSON):

- single_best:    {"option": "b"}                (+ certainty 1/2/3 when marked by certainty)
- select_all:     {"options": ["a", "c"]}
- matrix:         {"rows": {"r1": "ask", "r2": "avoid"}}
- rationale_pair: {"action": "a2", "reason": "r1"}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cpd.content.models import Item, MatrixItem, RationalePairItem, SelectAllItem, SingleBestItem

# Moodle's certainty-based marking: certainty -> (mark if correct, mark if wrong).
CBM_MARKS: dict[int, tuple[int, int]] = {1: (1, 0), 2: (2, -2), 3: (3, -6)}
CERTAINTY_LABELS = {1: "Not sure (1)", 2: "Fairly sure (2)", 3: "Very sure (3)"}


class InvalidResponse(ValueError):
    """The response does not fit the item (unknown option, missing part)."""


@dataclass(frozen=True)
class ItemScore:
    points: float  # accuracy points: what the pass mark is judged on
    max_points: float
    correct: bool  # fully right
    cbm_marks: int | None = None  # certainty-based mark, when certainty was asked
    parts: Mapping[str, bool] = field(default_factory=dict)  # option/row id -> chosen/answered rightly


def uses_certainty(item: Item, module_cbm: bool) -> bool:
    """Certainty applies to single-answer items, only where the module switches it on."""
    return module_cbm and isinstance(item, SingleBestItem) and item.certainty


def cbm_mark(correct: bool, certainty: int) -> int:
    if type(certainty) is not int or certainty not in CBM_MARKS:  # True and 2.0 are not certainties
        raise InvalidResponse(f"certainty must be 1, 2 or 3, got {certainty!r}")
    good, bad = CBM_MARKS[certainty]
    return good if correct else bad


def _pick(choice: Any, ids: Iterable[str], what: str) -> str:
    ids = set(ids)
    if not isinstance(choice, str) or choice not in ids:
        raise InvalidResponse(f"choose one {what}")
    return choice


def score_single_best(item: SingleBestItem, response: Mapping[str, Any]) -> ItemScore:
    chosen = _pick(response.get("option"), (o.id for o in item.options), "option")
    right = chosen == item.correct_option.id
    return ItemScore(float(right), 1.0, right, parts={chosen: right})


def score_select_all(item: SelectAllItem, response: Mapping[str, Any]) -> ItemScore:
    """+1 per correct option chosen, -1 per wrong option chosen, never below zero."""
    chosen = response.get("options", [])
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise InvalidResponse("options must be a list of option ids")
    by_id = {o.id: o for o in item.options}
    unknown = [c for c in chosen if c not in by_id]
    if unknown:
        raise InvalidResponse(f"unknown option {unknown[0]!r}")
    chosen_set = set(chosen)
    gained = sum(1 for c in chosen_set if by_id[c].correct)
    lost = sum(1 for c in chosen_set if not by_id[c].correct)
    max_points = sum(1 for o in item.options if o.correct)
    right = chosen_set == {o.id for o in item.options if o.correct}
    parts = {o.id: (o.id in chosen_set) == o.correct for o in item.options}
    return ItemScore(float(max(0, gained - lost)), float(max_points), right, parts=parts)


def score_matrix(item: MatrixItem, response: Mapping[str, Any]) -> ItemScore:
    """Each row 0/1, summed; a row left unanswered scores 0."""
    answers = response.get("rows", {})
    if not isinstance(answers, Mapping):
        raise InvalidResponse("rows must map row ids to column ids")
    columns = {c.id for c in item.columns}
    rows = {r.id for r in item.rows}
    for row_id, col in answers.items():
        if not isinstance(row_id, str) or row_id not in rows:
            raise InvalidResponse(f"unknown row {row_id!r}")
        if col is not None and (not isinstance(col, str) or col not in columns):
            raise InvalidResponse(f"unknown column {col!r}")
    parts = {r.id: answers.get(r.id) == r.answer for r in item.rows}
    got = sum(parts.values())
    return ItemScore(float(got), float(len(item.rows)), got == len(item.rows), parts=parts)


def score_rationale_pair(item: RationalePairItem, response: Mapping[str, Any]) -> ItemScore:
    """One point only when both the action and its reason are right."""
    action = _pick(response.get("action"), (o.id for o in item.actions), "action")
    reason = _pick(response.get("reason"), (o.id for o in item.reasons), "reason")
    a_ok = next(o for o in item.actions if o.id == action).correct
    r_ok = next(o for o in item.reasons if o.id == reason).correct
    right = a_ok and r_ok
    return ItemScore(float(right), 1.0, right, parts={action: a_ok, reason: r_ok})


_RULES: dict[str, Callable[[Any, Mapping[str, Any]], ItemScore]] = {
    "single_best": score_single_best,
    "select_all": score_select_all,
    "matrix": score_matrix,
    "rationale_pair": score_rationale_pair,
}


def score_item(item: Item, response: Mapping[str, Any], certainty: int | None = None, *, module_cbm: bool = False) -> ItemScore:
    """Score one response; certainty is required exactly when the item is certainty-marked."""
    base = _RULES[item.type](item, response)
    if not uses_certainty(item, module_cbm):
        return base
    if certainty is None:
        raise InvalidResponse("say how sure you are (1, 2 or 3)")
    return ItemScore(base.points, base.max_points, base.correct, cbm_mark(base.correct, certainty), base.parts)


def max_points(item: Item) -> float:
    """Accuracy points available for an item, without a response."""
    if isinstance(item, SelectAllItem):
        return float(sum(o.correct for o in item.options))
    if isinstance(item, MatrixItem):
        return float(len(item.rows))
    return 1.0


@dataclass(frozen=True)
class Totals:
    points: float
    max_points: float
    percent: float
    exact_percent: float  # unrounded: what the pass decision uses
    cbm_items: int
    cbm_average: float | None  # mean certainty-based mark per certainty item (-6 .. 3)
    overconfident: int  # wrong answers given at certainty 3


def total(scores: Iterable[ItemScore], available: float | None = None) -> Totals:
    """Sum item scores; ``available`` overrides the denominator (unanswered items count 0)."""
    scores = list(scores)
    pts = sum(s.points for s in scores)
    mx = available if available is not None else sum(s.max_points for s in scores)
    cbm = [s.cbm_marks for s in scores if s.cbm_marks is not None]
    over = sum(1 for s in scores if s.cbm_marks == -6)
    exact = 100.0 * pts / mx if mx else 0.0
    return Totals(pts, mx, round(exact, 1), exact, len(cbm), (sum(cbm) / len(cbm)) if cbm else None, over)


def passed(percent: float, pass_mark: float) -> bool:
    return percent >= pass_mark
