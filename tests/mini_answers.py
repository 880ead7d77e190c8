"""Answers to the fixture module ``mini`` as the engine takes them, shared by the engine tests."""

from __future__ import annotations

from cpd import attempts

LEARNER = {"name": "Zoë Ångström", "email": "zoe@example.org", "profession": "Physician",
           "registration_number": "GMC 1234567"}

# item id -> (response, certainty)
RIGHT = {
    "q-source": ({"option": "a"}, 3),
    "q-checks": ({"options": ["a", "b"]}, None),
    "q-grid": ({"rows": {"r1": "report", "r2": "watch"}}, None),
    "q-pair": ({"action": "a1", "reason": "r1"}, None),
}
WRONG = {
    "q-source": ({"option": "b"}, 3),
    "q-checks": ({"options": ["c"]}, None),
    "q-grid": ({"rows": {"r1": "watch", "r2": "report"}}, None),
    "q-pair": ({"action": "a2", "reason": "r1"}, None),
}


def answer_phase(store, loaded, state, answers):
    """Answer every item of the current phase."""
    phase = state.phase
    while state.phase == phase and (item_id := attempts.next_item(loaded, state)) is not None:
        _, state = attempts.submit_answer(store, loaded, state.attempt_id, item_id, *answers[item_id])
    return state


def finish(store, loaded, answers, *, learner=LEARNER, evaluate=True):
    """A whole attempt without pre-test: every case item answered, then (optionally) the evaluation."""
    _, state = attempts.start_attempt(store, loaded, learner, pretest=False)
    state = answer_phase(store, loaded, state, answers)
    if evaluate:
        state = attempts.submit_evaluation(store, state.attempt_id, relevance=5, balance=5,
                                           intended_change="Ask for a CoA.", reflection="Useful.")
    return state
