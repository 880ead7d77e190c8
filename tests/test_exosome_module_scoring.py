"""The shipped module scores as its authors meant: the keyed answers pass, wrong ones fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpd import attempts
from cpd.content.loader import LoadedModule, load_module
from cpd.items.registry import type_of

ROOT = Path(__file__).resolve().parent.parent
LEARNER = {"name": "Анна Каренина", "email": "anna@example.org", "profession": "Dermatologist"}


@pytest.fixture(scope="module")
def exosome() -> LoadedModule:
    return load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety")


def keyed(item):
    """The answer key, from the item type's own sample responses, with the highest certainty."""
    return type_of(item).sample_responses(item).correct, 3 if item.certainty else None


def wrong(item):
    """A plausible wrong answer, from the item type's own sample responses, given at the highest certainty."""
    return type_of(item).sample_responses(item).wrong, 3 if item.certainty else None


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
    certainty_items = [i for i in exosome.items() if i.certainty]
    assert results.overconfident == len(certainty_items) > 0
    assert results.read_next  # the sources behind the missed items
