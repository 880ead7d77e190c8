"""The learner's attempt through the engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from mini_answers import LEARNER, RIGHT, WRONG
from mini_answers import answer_phase as answer_all
from processes import at_once
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from cpd import attempts, tokens
from cpd.attempts import InvalidInput, InvalidToken, OutOfOrder
from cpd.presentation import feedback, public_item
from cpd.results import summarise
from cpd.storage.db import open_store
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


@pytest.mark.parametrize("token", ["", "x" * 43, "short", "a" * 500])
def test_forged_resume_tokens_are_refused(store, mini, token):
    attempts.start_attempt(store, mini, LEARNER)
    with pytest.raises(InvalidToken, match="not valid"):
        attempts.resume(store, token)


def test_expired_resume_token_is_refused(store, mini):
    then = datetime(2026, 1, 1, tzinfo=UTC)
    token, _ = attempts.start_attempt(store, mini, LEARNER, now=then)
    assert attempts.resume(store, token, now=then + timedelta(days=1))
    with pytest.raises(InvalidToken, match="expired"):
        attempts.resume(store, token, now=then + tokens.POLICIES[tokens.Purpose.RESUME].ttl + timedelta(seconds=1))


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


# --- retrying, delivery format and venue, incomplete answers -------------------------------------

def test_a_failed_attempt_is_retried_once_however_often_retry_is_clicked(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    state = answer_all(store, mini, state, WRONG)
    _, first = attempts.retry(store, mini, state.attempt_id)
    with pytest.raises(OutOfOrder, match="already been retried"):  # a second tab, later
        attempts.retry(store, mini, state.attempt_id)
    assert count(store, Attempt) == 2 and first.attempt_number == 2


def _retry_in_own_process(url: str, attempt_id: str) -> str:
    from conftest import FIXTURE_CONTENT

    from cpd.content.loader import load_module
    from cpd.storage.db import make_engine

    engine = make_engine(url)
    try:
        token, state = attempts.retry(sessionmaker(engine, expire_on_commit=False),
                                      load_module([FIXTURE_CONTENT], "mini"), attempt_id)
        return f"new attempt {state.attempt_number}"
    except OutOfOrder as exc:
        return f"refused: {exc}"
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_replicas_retrying_at_once_make_one_new_attempt(backend, tmp_path, request, mini):
    """Two processes (two app replicas, or two tabs served by two) retry the same failed attempt together."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'cpd.sqlite3'}"
        store = open_store(url)
    else:
        url = request.getfixturevalue("pg_schema_url")
        store = open_store(url)
    _, state = attempts.start_attempt(store, mini, {**LEARNER, "email": f"{uuid.uuid4().hex}@example.org"},
                                      pretest=False)
    state = answer_all(store, mini, state, WRONG)
    outcomes = at_once(_retry_in_own_process, [(url, state.attempt_id)] * 2)
    assert sorted(o.split(":")[0] for o in outcomes) == ["new attempt 2", "refused"], outcomes
    with store() as s:
        retries = s.scalars(select(Attempt).where(Attempt.retry_of == state.attempt_id)).all()
    assert len(retries) == 1


def test_a_matrix_with_a_row_left_open_is_refused_like_an_empty_select_all(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    for item_id in ("q-source", "q-checks"):
        _, state = attempts.submit_answer(store, mini, state.attempt_id, item_id, *RIGHT[item_id])
    with pytest.raises(InvalidInput, match=r"every row \(1 of 2 still open\)"):
        attempts.submit_answer(store, mini, state.attempt_id, "q-grid", {"rows": {"r1": "report"}})
    with pytest.raises(InvalidInput, match=r"every row \(2 of 2 still open\)"):
        attempts.submit_answer(store, mini, state.attempt_id, "q-grid", {"rows": {"r1": None}})
    assert attempts.next_item(mini, attempts.load_state(store, state.attempt_id)) == "q-grid"
    assert count(store, Response) == 2


@pytest.mark.parametrize(
    ("delivery_format", "venue", "message"),
    [
        ("webinar", None, "Delivery format: choose online or workshop"),
        ("", None, "Delivery format"),
        ("online", "Room 4", "only a workshop has a venue"),
        ("workshop", None, "Venue: please fill this in"),
        ("workshop", "  ", "Venue: please fill this in"),
        ("workshop", "<script>x</script>", "HTML or script"),
        ("workshop", "x" * 201, "at most 200 characters"),
    ],
)
def test_delivery_format_and_venue_are_checked_when_an_attempt_starts(store, mini, delivery_format, venue, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        attempts.start_attempt(store, mini, LEARNER, delivery_format=delivery_format, venue=venue)
    assert count(store, Learner) == 0 and count(store, Attempt) == 0


def test_a_workshop_attempt_keeps_its_venue_tidied(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, delivery_format="workshop", venue="  Royal College, London ")
    assert (state.delivery_format, state.venue) == ("workshop", "Royal College, London")


def test_a_resume_token_one_character_off_opens_nothing(store, mini):
    token, _ = attempts.start_attempt(store, mini, LEARNER)
    other, _ = attempts.start_attempt(store, mini, {**LEARNER, "name": "Anna Karenina"})
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(InvalidToken, match="not valid"):
        attempts.resume(store, forged)
    assert attempts.resume(store, other).learner_name == "Anna Karenina"
    assert attempts.resume(store, token).learner_name == "Zoë Ångström"
