"""The learner's attempt through the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mini_answers import LEARNER, RIGHT, WRONG
from mini_answers import answer_phase as answer_all

from cpd import attempts
from cpd.attempts import InvalidInput, InvalidToken, OutOfOrder
from cpd.presentation import feedback, public_item
from cpd.results import summarise
from cpd.storage.tables import Attempt, Learner, Response


def count(store, table):
    with store() as s:
        return s.query(table).count()


def test_a_whole_pass_with_pretest_shows_knowledge_gain(store, mini):
    token, state = attempts.start_attempt(store, mini, LEARNER)
    assert state.phase == "pretest"
    state = answer_all(store, mini, state, WRONG)  # pre-test: got it wrong
    assert state.phase == "cases"
    state = answer_all(store, mini, state, RIGHT)
    assert state.phase == "evaluation"
    assert state.passed is True and state.percent == 100.0
    results = summarise(mini, state)
    assert results.pretest_percent == 0.0 and results.posttest_percent == 100.0
    assert results.knowledge_gain == 100.0
    assert {b.key: b.percent for b in results.by_objective} == {"lo-source": 100.0, "lo-report": 100.0}
    assert results.cbm_average == 3.0 and results.read_next == ()
    state = attempts.submit_evaluation(store, state.attempt_id, relevance=5, balance=4,
                                       intended_change="Ask for the CoA.", reflection="Learnt to ask.")
    assert state.phase == "done"


def test_a_whole_fail_points_to_reading_and_allows_a_retry(store, mini):
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    assert state.phase == "cases"
    state = answer_all(store, mini, state, WRONG)
    assert state.passed is False and state.percent == 0.0
    results = summarise(mini, state)
    assert set(results.missed) == set(RIGHT)
    assert {r.reference.id for r in results.read_next} == {"ref-verified", "ref-secondary"}
    assert results.overconfident == 1 and results.cbm_average == -6.0
    new_token, new_state = attempts.retry(store, mini, state.attempt_id)
    assert new_token != token and new_state.attempt_number == 2 and new_state.answers == ()
    with pytest.raises(OutOfOrder):
        attempts.retry(store, mini, new_state.attempt_id)  # not finished yet


def test_resume_with_token_returns_exactly_where_the_learner_was(store, mini):
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    _, state = attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "a"}, 2)
    resumed = attempts.resume(store, token)
    assert resumed == state
    assert attempts.next_item(mini, resumed) == "q-checks"
    assert resumed.learner_name == "Zoë Ångström"


@pytest.mark.parametrize("token", ["", "x" * 43, "short", "a" * 500, "' or 1=1 --" + "x" * 20])
def test_forged_resume_tokens_are_refused(store, mini, token):
    attempts.start_attempt(store, mini, LEARNER)
    with pytest.raises(InvalidToken, match="not valid"):
        attempts.resume(store, token)


def test_expired_resume_token_is_refused(store, mini):
    then = datetime(2026, 1, 1, tzinfo=UTC)
    token, _ = attempts.start_attempt(store, mini, LEARNER, now=then)
    assert attempts.resume(store, token, now=then + timedelta(days=1))
    with pytest.raises(InvalidToken, match="expired"):
        attempts.resume(store, token, now=then + attempts.RESUME_TTL + timedelta(seconds=1))


def test_a_submitted_answer_cannot_be_changed(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "b"}, 1)
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "a"}, 3)
    with store() as s:
        rows = s.query(Response).all()
    assert len(rows) == 1 and rows[0].correct is False


def test_items_must_be_answered_in_order(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(store, mini, state.attempt_id, "q-pair", {"action": "a1", "reason": "r1"})


def test_certainty_is_required_where_the_module_marks_by_certainty(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    with pytest.raises(InvalidInput, match="sure"):
        attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "a"}, None)
    assert count(store, Response) == 0


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "Name: please fill this in"),
        ("name", "   ", "Name: please fill this in"),
        ("name", "x" * 10_000, "at most 120 characters"),
        ("name", "<script>alert(1)</script>", "HTML or script"),
        ("email", "not-an-email", "e-mail address"),
        ("profession", "<img src=x onerror=alert(1)>", "HTML or script"),
        ("registration_number", "<b>1</b>", "HTML or script"),
    ],
)
def test_bad_learner_input_gets_a_clear_message_and_stores_nothing(store, mini, field, value, message):
    with pytest.raises(InvalidInput) as exc:
        attempts.start_attempt(store, mini, {**LEARNER, field: value})
    assert message in str(exc.value)
    assert count(store, Learner) == 0 and count(store, Attempt) == 0


@pytest.mark.parametrize("name", ["Σωκράτης Παπαδόπουλος", "Анна Каренина", "王小明", "محمد عبد الله", "Zoë Ångström-Müller"])
def test_names_in_any_script_are_kept_exactly(store, mini, name):
    token, _ = attempts.start_attempt(store, mini, {**LEARNER, "name": name})
    assert attempts.resume(store, token).learner_name == name


def test_evaluation_with_html_is_refused_and_nothing_changes(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    state = answer_all(store, mini, state, RIGHT)
    with pytest.raises(InvalidInput, match="HTML"):
        attempts.submit_evaluation(store, state.attempt_id, relevance=5, balance=5,
                                   intended_change="<script>x</script>", reflection="ok")
    assert attempts.load_state(store, state.attempt_id).phase == "evaluation"


def test_a_past_score_is_scored_against_the_content_it_started_on(store, mini):
    """Editing the content later (new hash) neither changes nor mixes into a running attempt."""
    token, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    snapshot = attempts.module_for(store, state.content_hash)
    assert snapshot.content_hash == mini.content_hash == state.content_hash
    assert snapshot.module.version == state.module_version == "1.0.0"
    edited = type(mini)(mini.module.model_copy(update={"version": "1.1.0"}), mini.cases, "f" * 64)
    with pytest.raises(attempts.AttemptError, match="another version"):
        attempts.submit_answer(store, edited, state.attempt_id, "q-source", {"option": "a"}, 3)


def test_the_public_item_keeps_the_attempts_order_and_feedback_cites_evidence(store, mini):
    """The key never being in the view is proved for every item in test_items (the view ignores the key)."""
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    item = mini.item("q-source")
    shown = public_item(mini, item, state.shuffle_seed)
    assert shown == public_item(mini, item, state.shuffle_seed)  # a refresh shows the same order
    assert sorted(c.id for c in shown.view.choices) == ["a", "b", "c"] and shown.asks_certainty
    orders = {tuple(c.id for c in public_item(mini, item, seed).view.choices) for seed in range(30)}
    assert len(orders) > 1  # shuffled per attempt
    _, state = attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "b"}, 2)
    fb = feedback(mini, item, state.answered("cases")["q-source"])
    assert fb.correct is False and fb.cbm_marks == -2
    assert [(p.text, p.was_chosen, p.is_correct) for p in fb.parts] == [
        ("The price per vial", True, False), ("Where the cells came from", False, True)]
    assert [r.id for r in fb.references] == ["ref-verified", "ref-unverified"]


def test_an_empty_select_all_submission_is_refused_not_scored(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    _, state = attempts.submit_answer(store, mini, state.attempt_id, "q-source", {"option": "a"}, 1)
    with pytest.raises(InvalidInput, match="at least one"):
        attempts.submit_answer(store, mini, state.attempt_id, "q-checks", {"options": []})
    assert attempts.next_item(mini, attempts.load_state(store, state.attempt_id)) == "q-checks"


def test_a_name_with_a_direction_override_is_refused(store, mini):
    """U+202E could make a certificate or a terminal show text other than what was typed."""
    with pytest.raises(InvalidInput, match="direction-override"):
        attempts.start_attempt(store, mini, {**LEARNER, "name": "Anna \u202eanidraC"})
