"""The shipped module scores as its authors meant: the keyed answers pass, wrong ones fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpd import attempts
from cpd.content.loader import LoadedModule, load_module
from cpd.content.models import MatrixItem, RationalePairItem, SelectAllItem, SingleBestItem

ROOT = Path(__file__).resolve().parent.parent
LEARNER = {"name": "Анна Каренина", "email": "anna@example.org", "profession": "Dermatologist"}


@pytest.fixture(scope="module")
def exosome() -> LoadedModule:
    return load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety")


def keyed(item):
    """The answer key, read from the content, with the highest certainty."""
    if isinstance(item, SingleBestItem):
        return {"option": item.correct_option.id}, 3 if item.certainty else None
    if isinstance(item, SelectAllItem):
        return {"options": [o.id for o in item.options if o.correct]}, None
    if isinstance(item, MatrixItem):
        return {"rows": {r.id: r.answer for r in item.rows}}, None
    assert isinstance(item, RationalePairItem)
    return {"action": next(o.id for o in item.actions if o.correct),
            "reason": next(o.id for o in item.reasons if o.correct)}, None


def wrong(item):
    """A plausible wrong answer: a distractor, or the wrong column on every row."""
    if isinstance(item, SingleBestItem):
        return {"option": next(o.id for o in item.options if not o.correct)}, 3 if item.certainty else None
    if isinstance(item, SelectAllItem):
        return {"options": [o.id for o in item.options if not o.correct][:1]}, None
    if isinstance(item, MatrixItem):
        return {"rows": {r.id: next(c.id for c in item.columns if c.id != r.answer) for r in item.rows}}, None
    return {"action": next(o.id for o in item.actions if not o.correct),
            "reason": next(o.id for o in item.reasons if o.correct)}, None


def run(store, loaded, answer_for):
    _, state = attempts.start_attempt(store, loaded, LEARNER, pretest=False)
    while (item_id := attempts.next_item(loaded, state)) is not None:
        _, state = attempts.submit_answer(store, loaded, state.attempt_id, item_id, *answer_for(loaded.item(item_id)))
    return state


def test_the_keyed_answers_score_full_marks_and_pass(store, exosome):
    state = run(store, exosome, keyed)
    assert state.percent == 100.0 and state.passed is True
    assert len(state.answered("cases")) == len(exosome.items()) >= 30


def test_wrong_answers_fail_and_confident_errors_are_counted(store, exosome):
    from cpd.results import summarise

    state = run(store, exosome, wrong)
    assert state.passed is False and state.percent == 0.0
    results = summarise(exosome, state)
    certainty_items = [i for i in exosome.items() if isinstance(i, SingleBestItem) and i.certainty]
    assert results.overconfident == len(certainty_items) > 0
    assert results.read_next  # the sources behind the missed items
