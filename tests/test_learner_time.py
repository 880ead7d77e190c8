"""CPD hours that reflect participation: active time per answer (capped), hours claimed, a minimum time."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT
from pypdf import PdfReader

from cpd import attempts
from cpd.certificates.design import load_default_design
from cpd.certificates.record import CertificateRecordV2
from cpd.certificates.service import lookup
from cpd.completion import certificate_for

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLIC_URL = "https://cpd.example.org"


def test_active_time_is_the_gap_since_the_last_step_capped_at_three_estimates():
    assert attempts.active_time(timedelta(seconds=40), 120) == 40
    assert attempts.active_time(timedelta(hours=10), 120) == 360  # a tab left open overnight
    assert attempts.active_time(timedelta(seconds=-5), 120) == 0  # clocks of two replicas


def test_the_mini_module_estimates_two_minutes_per_question(mini):
    # 10 minutes over 1 pre-test question and 4 case questions
    assert attempts.estimated_item_seconds(mini) == 120


def answer_at(store, mini, state, gaps):
    now = T0
    for gap in gaps:
        now += gap
        item_id = attempts.next_item(mini, state)
        _, state = attempts.submit_answer(store, mini, state.attempt_id, item_id, *RIGHT[item_id], now=now)
    return state


def test_each_answer_records_its_active_time_and_the_attempt_sums_them(store, mini):
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, now=T0)
    state = answer_at(store, mini, state, [timedelta(seconds=50), timedelta(hours=9), timedelta(seconds=3),
                                           timedelta(seconds=90)])
    assert [a.active_seconds for a in state.answers] == [50, 360, 3, 90]
    again = attempts.load_state(store, state.attempt_id)  # stored, not just computed
    assert again.active_seconds == 503


def test_hours_are_claimed_in_quarter_steps_up_to_the_maximum(store, mini):
    assert attempts.hours_choices(0.25) == [0.25]
    assert attempts.hours_choices(1.25) == [0.25, 0.5, 0.75, 1.0, 1.25]
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False, now=T0)
    state = answer_at(store, mini, state, [timedelta(seconds=10)] * 4)
    common = dict(relevance=5, balance=4, intended_change="Ask for a CoA.", reflection="Useful.")
    for bad, message in ((0.5, "from 0.25 to 0.25 hours"), (0.1, "multiple of 0.25"), (0, "from 0.25"),
                         ("1", "choose a number")):
        with pytest.raises(attempts.InvalidInput, match=message):
            attempts.submit_evaluation(store, state.attempt_id, hours_claimed=bad, **common)
    done = attempts.submit_evaluation(store, state.attempt_id, hours_claimed=0.25, **common)
    assert done.phase == "done"
    assert attempts.load_evaluation(store, state.attempt_id).hours_claimed == 0.25


def test_the_certificate_states_the_hours_claimed(store, mini):
    big = mini.module.model_copy(update={"cpd_hours": 1.25})
    loaded = type(mini)(big, mini.cases, hashlib.sha256(b"mini with 1.25 hours").hexdigest())
    _, state = attempts.start_attempt(store, loaded, LEARNER, pretest=False, now=T0)
    state = answer_at(store, loaded, state, [timedelta(minutes=2)] * 4)
    state = attempts.submit_evaluation(store, state.attempt_id, relevance=5, balance=4, intended_change="CoA.",
                                       reflection="Useful.", hours_claimed=0.75)
    cert = certificate_for(store, loaded, state, design=load_default_design(ROOT / "certificates"),
                           private_key=Ed25519PrivateKey.generate(), public_url=PUBLIC_URL)
    with store() as s:
        record = lookup(s, cert.id).record
    # Record version 2: the hours claimed beside the maximum and the active time recorded (4 x 2 min).
    assert isinstance(record, CertificateRecordV2)
    assert (record.hours_claimed, record.maximum_hours, record.time_recorded_minutes) == (0.75, 1.25, 8)
    assert record.learner_profession == "Physician" and record.edition_date == date(2026, 6, 1)
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(cert.pdf)).pages)
    assert "0.75 of a maximum 1.25" in text and "8 min" in text and "Profession: Physician" in text
    # The shipped sample design: placeholders marked as such, the edition instead of developer identifiers.
    assert "[PLACEHOLDER: signatory's name]" in text and "[PLACEHOLDER: provider's postal address" in text
    assert "Edition 1.0.0 of 1 June 2026" in text and loaded.content_hash[:12] not in text


def test_no_certificate_below_the_modules_minimum_recorded_time(store, mini):
    strict = mini.module.model_copy(update={"minimum_recorded_minutes": 5})
    loaded = type(mini)(strict, mini.cases, hashlib.sha256(b"mini with a minimum").hexdigest())
    design, key = load_default_design(ROOT / "certificates"), Ed25519PrivateKey.generate()
    _, quick = attempts.start_attempt(store, loaded, LEARNER, pretest=False, now=T0)
    quick = answer_at(store, loaded, quick, [timedelta(seconds=4)] * 4)  # 16 s: the 12-18 s attempts of the issue
    quick = attempts.submit_evaluation(store, quick.attempt_id, relevance=5, balance=4, intended_change="CoA.",
                                       reflection="Useful.")
    assert quick.passed and certificate_for(store, loaded, quick, design=design, private_key=key,
                                            public_url=PUBLIC_URL) is None
    _, steady = attempts.start_attempt(store, loaded, LEARNER, pretest=False, now=T0)
    steady = answer_at(store, loaded, steady, [timedelta(seconds=80)] * 4)  # 5 min 20 s
    steady = attempts.submit_evaluation(store, steady.attempt_id, relevance=5, balance=4, intended_change="CoA.",
                                        reflection="Useful.")
    assert certificate_for(store, loaded, steady, design=design, private_key=key, public_url=PUBLIC_URL) is not None
