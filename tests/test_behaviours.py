"""Behaviours beside item types: when feedback shows, when an answer is final, what comes next,
and what the pass is judged on. Engine objects the pages call, tested here without a page."""

from __future__ import annotations

from fractions import Fraction

import pytest
from mini_answers import LEARNER, RIGHT, WRONG

from cpd import attempts
from cpd.attempts import OutOfOrder
from cpd.behaviours.feedback import DeferredFeedback, FacilitatorPaced, ImmediateFeedback, for_feedback
from cpd.behaviours.grading import grade, passed, results_note, shown_percent, start_page_note
from cpd.behaviours.navigation import FacilitatorDriven, LinearSelfPaced
from cpd.content.models import Delivery
from cpd.items.base import ItemScore
from cpd.storage.tables import Response

SEQ = ["q1", "q2", "q3"]


# --- navigation ------------------------------------------------------------------------------

def test_self_paced_navigation_walks_the_items_in_order_once_each():
    nav = LinearSelfPaced()
    assert nav.current(SEQ, set()) == "q1"
    assert nav.current(SEQ, {"q1"}) == "q2"
    assert nav.current(SEQ, {"q1", "q2", "q3"}) is None
    assert not nav.phase_done(SEQ, {"q1", "q3"}) and nav.phase_done(SEQ, set(SEQ))


def test_facilitator_navigation_serves_the_open_item_only():
    assert FacilitatorDriven(open_item="q2").current(SEQ, set()) == "q2"  # the room is on q2, not on q1
    assert FacilitatorDriven(open_item="q2").current(SEQ, {"q2"}) == "q2"  # still open: may answer again
    assert FacilitatorDriven(open_item="q2", closed=frozenset({"q2"})).current(SEQ, set()) is None
    assert FacilitatorDriven(open_item=None).current(SEQ, set()) is None  # between items
    assert FacilitatorDriven(open_item="elsewhere").current(SEQ, set()) is None
    # The phase ends when the facilitator has closed every item, answered or not.
    assert not FacilitatorDriven(None, frozenset({"q1", "q2"})).phase_done(SEQ, set(SEQ))
    assert FacilitatorDriven(None, frozenset(SEQ)).phase_done(SEQ, set())


# --- feedback behaviours ------------------------------------------------------------------------

def test_immediate_feedback_shows_after_each_case_answer_but_never_in_the_pretest():
    b = ImmediateFeedback()
    assert b.feedback_after_answer("cases") and not b.feedback_after_answer("pretest")
    assert b.feedback_visible("q1", answered=True, phase_done=False)
    assert not b.may_change("q1")


def test_deferred_feedback_waits_for_the_end():
    b = DeferredFeedback()
    assert not b.feedback_after_answer("cases")
    assert not b.feedback_visible("q1", answered=True, phase_done=False)
    assert b.feedback_visible("q1", answered=True, phase_done=True)
    assert not b.may_change("q1")


def test_facilitator_paced_feedback_shows_when_revealed_and_answers_change_while_open():
    b = FacilitatorPaced(FacilitatorDriven(open_item="q2", closed=frozenset({"q1"})), revealed=frozenset({"q1"}))
    assert not b.feedback_after_answer("cases")
    assert b.feedback_visible("q1", answered=False, phase_done=False)
    assert not b.feedback_visible("q2", answered=True, phase_done=False)
    assert b.may_change("q2") and not b.may_change("q1") and not b.may_change("q3")


def test_the_module_names_its_self_paced_behaviour():
    assert isinstance(for_feedback("immediate"), ImmediateFeedback)
    assert isinstance(for_feedback("deferred"), DeferredFeedback)
    with pytest.raises(ValueError):
        for_feedback("sometimes")


# --- facilitator-paced answers through the store ---------------------------------------------------

def test_in_a_facilitated_room_an_answer_changes_until_the_item_closes(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, delivery_format="workshop",
                                      venue="Royal College, London")
    sid = state.attempt_id
    room = FacilitatorPaced(FacilitatorDriven(open_item="q-checks"))
    with pytest.raises(OutOfOrder):  # the room is not on q-source
        attempts.submit_answer(store, mini, sid, "q-source", *RIGHT["q-source"], behaviour=room)
    attempts.submit_answer(store, mini, sid, "q-checks", *WRONG["q-checks"], behaviour=room)
    score, state = attempts.submit_answer(store, mini, sid, "q-checks", *RIGHT["q-checks"], behaviour=room)
    assert score.correct and state.answered("cases")["q-checks"].response == {"options": ["a", "b"]}
    with store() as s:
        assert s.query(Response).count() == 1  # replaced in place, not a second row

    closed = FacilitatorPaced(FacilitatorDriven(open_item=None, closed=frozenset({"q-checks"})))
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(store, mini, sid, "q-checks", *WRONG["q-checks"], behaviour=closed)
    assert attempts.load_state(store, sid).answered("cases")["q-checks"].points == 2.0
    assert attempts.load_state(store, sid).phase == "cases"

    # The facilitator closes every item: the phase is totalled over what was answered (one item of four).
    everything_closed = FacilitatorPaced(FacilitatorDriven(None, frozenset(attempts.item_sequence(mini, "cases"))))
    state = attempts.finish_if_done(store, mini, sid, everything_closed)
    assert state.phase == "evaluation" and state.passed is False


def test_self_paced_answers_stay_final(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    attempts.submit_answer(store, mini, state.attempt_id, "q-source", *WRONG["q-source"])
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(store, mini, state.attempt_id, "q-source", *RIGHT["q-source"])


# --- the grading policy and the shown percentage -------------------------------------------------

def test_163_of_233_shows_69_9_percent_beside_not_passed_at_a_70_percent_mark():
    g = grade([ItemScore(163.0, 233.0, False)], "accuracy")
    assert g.exact == Fraction(16300, 233)  # 69.957...
    assert g.percent == 69.9 and not passed(g.exact, 70)


@pytest.mark.parametrize(("points", "max_points", "pass_mark"),
                         [(163, 233, 70), (7, 10, 70), (699, 1000, 70), (2, 3, 66.7), (1, 3, 33.3), (145, 200, 72.5)])
def test_the_shown_percent_reaches_the_pass_mark_exactly_when_the_score_does(points, max_points, pass_mark):
    g = grade([ItemScore(float(points), float(max_points), False)], "accuracy")
    assert (g.percent >= pass_mark) == passed(g.exact, pass_mark)


def test_a_whole_percent_is_not_lost_to_floating_point():
    assert shown_percent(Fraction(70)) == 70.0
    assert grade([ItemScore(1.0, 1.0, True)] * 7 + [ItemScore(0.0, 1.0, False)] * 3, "accuracy").percent == 70.0


def _certainty_run():
    # Two right at 'very sure' (+3 each), one wrong at 'very sure' (-6), one right without certainty.
    return [ItemScore(1.0, 1.0, True, 3.0), ItemScore(1.0, 1.0, True, 3.0), ItemScore(0.0, 1.0, False, -6.0),
            ItemScore(1.0, 1.0, True)]


def test_on_accuracy_the_pass_ignores_certainty_and_reports_it():
    g = grade(_certainty_run(), "accuracy")
    assert g.percent == 75.0 and passed(g.exact, 70)
    assert g.certainty_percent == 25.0  # (1 + 1 - 2 + 1) / 4
    assert results_note(g) == "The pass is decided on accuracy; the certainty-adjusted score (25 %) is reported, not counted."


def test_on_the_certainty_adjusted_grade_a_confident_error_can_fail_the_attempt():
    g = grade(_certainty_run(), "certainty_adjusted")
    assert g.percent == 25.0 and not passed(g.exact, 70)
    assert g.accuracy_percent == 75.0
    assert "decided on the certainty-adjusted score (accuracy alone: 75 %)" in results_note(g)


def test_without_certainty_items_there_is_no_certainty_score_and_no_note():
    g = grade([ItemScore(1.0, 1.0, True)], "certainty_adjusted")
    assert g.certainty_adjusted is None and g.percent == 100.0 and results_note(g) == ""


def test_the_start_page_says_which_score_the_pass_is_judged_on():
    assert "confident wrong answers cost marks" not in start_page_note("accuracy", True)
    assert "decided on accuracy" in start_page_note("accuracy", True)
    assert "confident wrong answers cost marks" in start_page_note("certainty_adjusted", True)
    assert start_page_note("accuracy", False) == ""


def test_a_module_cannot_pass_on_certainty_without_asking_for_it():
    with pytest.raises(ValueError, match="certainty_based_marking"):
        Delivery(grading="certainty_adjusted", certainty_based_marking=False)


def test_an_attempt_graded_on_certainty_stores_the_adjusted_score(store, mini):
    strict = type(mini)(mini.module.model_copy(update={"delivery": Delivery(
        certainty_based_marking=True, grading="certainty_adjusted")}), mini.cases, "c" * 64)
    _, state = attempts.start_attempt(store, strict, LEARNER, pretest=False)
    answers = {**RIGHT, "q-source": WRONG["q-source"]}  # very sure and wrong on the certainty item: -6
    while (item_id := attempts.next_item(strict, state)) is not None:
        _, state = attempts.submit_answer(store, strict, state.attempt_id, item_id, *answers[item_id])
    # accuracy 5/6 = 83.3 % would pass; certainty-adjusted (1 x -6/3 + 2 + 2 + 1) / 6 = 50 % does not
    assert state.percent == 50.0 and state.passed is False
