"""Bad input, generated (hypothesis), for the forms not covered elsewhere, at the engine functions their pages
call: an answer of every item type, the evaluation, the workshop join and rejoin forms, staff added one by one,
sign-in, "find my attempts", and GIFT and QTI import. Each is refused with a plain message (never a crash),
stores nothing when refused, and what it accepts is clean.

The stores are set up once per module and back end (``mstore``): every property below leaves the store as a user
would (refused input changes nothing), so sharing keeps the file fast on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import math
import re
import secrets
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mini_answers import RIGHT
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from workshop_helpers import person

from cpd import attempts
from cpd.accounts import directory, learner_access, passwords, signin
from cpd.content.loader import LoadedModule
from cpd.interop import gift, qti
from cpd.interop.bank import bank_of, problems, write_bank
from cpd.items.registry import TYPES
from cpd.learners import PROFESSIONS
from cpd.onboarding import roster
from cpd.scoring import MAX_RESPONSE_CHARS, max_points
from cpd.storage.db import make_engine, migrate
from cpd.storage.tables import Base, Evaluation, Response, StaffMember, WorkshopParticipant
from cpd.text import BIDI_CONTROLS, InvalidText
from cpd.workshops import room
from cpd.workshops.room import WorkshopError

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PASSWORD = "a long password 1"
PUBLIC_URL = "https://cpd.example.org"

# ---------------------------------------------------------------- one store per module and back end


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def mstore(request, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """A migrated store shared by this module's tests (the function-scoped ``store`` would migrate per test)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('forms') / 'cpd.sqlite3'}")
        migrate(engine)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()
        return
    engine = request.getfixturevalue("_pg_engine")
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield sessionmaker(engine, expire_on_commit=False)


def _count(store: sessionmaker[Session], model: Any, *where: Any) -> int:
    with store() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _plain(message: str) -> None:
    """A message a person reads: some words, short, one line, no code dump of what they typed."""
    assert message.strip() and len(message) <= 400, message
    assert "Traceback" not in message and "\n" not in message, message


def _is_clean(value: str, *, multiline: bool = False) -> bool:
    allowed = "\n\t" if multiline else ""
    return (value == value.strip() and unicodedata.is_normalized("NFC", value)
            and not any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)
            and not any(ord(ch) in BIDI_CONTROLS for ch in value)
            and not re.search(r"<\s*[a-z!/?]", value, re.IGNORECASE))


# ---------------------------------------------------------------- generated values

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
nasty_text = st.one_of(
    text,
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u202eevil", "<script>x</script>", "javascript:alert(1)", "\r\n",
                     "Zoë", "x" * 1_000_000, "=1+1", "NaN", "1e309", "0.25", "ann@example.org", "ANN@EXAMPLE.ORG\x00"]),
)
ids = st.sampled_from(["a", "b", "c", "d", "r1", "r2", "a1", "a2", "report", "watch", "zz", "", " a", "A", "a\x00"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ids, text)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.one_of(ids, text), inner, max_size=5)),
    max_leaves=12,
)
huge_values = st.one_of(st.builds(lambda i, n: [i] * n, ids, st.integers(1000, 200_000)),
                        st.builds(lambda n: {f"r{k}": "report" for k in range(n)}, st.integers(1000, 50_000)),
                        st.just("x" * 1_000_000))


# ---------------------------------------------------------------- an answer of every item type

def _keys(item_type: str, loaded: LoadedModule) -> list[str]:
    item = next(i for i in loaded.items() if i.type == item_type)
    samples = TYPES[item_type].sample_responses(item)
    return sorted({*samples.correct, *samples.invalid})


def responses(keys: list[str]) -> st.SearchStrategy[Any]:
    """Dicts with the type's own keys (and others) holding anything; now and then not a dict at all."""
    own = st.fixed_dictionaries({}, optional={k: st.one_of(json_values, huge_values) for k in keys})
    junk_keys = st.dictionaries(st.one_of(st.sampled_from(keys), text, st.integers()), json_values, max_size=4)
    mixed = st.builds(lambda a, b: {**b, **a}, own, junk_keys)
    return st.one_of(own, mixed, json_values)


certainties = st.one_of(st.none(), st.integers(-3, 5), st.booleans(), st.floats(), st.sampled_from([2.0, "2", [2]]))


class _Seats:
    """Per item id, an attempt whose next question is that item (answering moves on, so a new one is made)."""

    def __init__(self, store: sessionmaker[Session], loaded: LoadedModule) -> None:
        self.store, self.loaded, self.open = store, loaded, {}
        self.n = 0

    def at(self, item_id: str) -> str:
        if item_id not in self.open:
            self.n += 1
            _, state = attempts.start_attempt(self.store, self.loaded, {
                "name": "Fuzz Learner", "email": f"fuzz{self.n}@example.org", "profession": "Physician"}, pretest=False)
            while (nxt := attempts.next_item(self.loaded, state)) != item_id:
                assert nxt is not None
                _, state = attempts.submit_answer(self.store, self.loaded, state.attempt_id, nxt, *RIGHT[nxt])
                attempts.close_feedback(self.store, state.attempt_id, nxt)
            self.open[item_id] = state.attempt_id
        return self.open[item_id]


@pytest.fixture(scope="module")
def seats(mstore, mini) -> _Seats:
    return _Seats(mstore, mini)


def test_the_fixture_module_holds_every_registered_item_type(mini):
    assert {i.type for i in mini.items()} == set(TYPES)  # so the property below reaches every type


@pytest.mark.parametrize("item_type", sorted(TYPES))
def test_any_answer_to_any_item_type_is_refused_plainly_or_scored_within_its_points(mstore, mini, seats, item_type):
    item = next(i for i in mini.items() if i.type == item_type)

    @QUICK
    @given(response=responses(_keys(item_type, mini)), certainty=certainties)
    @example(response=[], certainty=None)
    @example(response={"option": "a", 1: "x"}, certainty=3)
    @example(response={"options": ["a", "b"], "x": "y" * 100_000}, certainty=None)
    @example(response={"rows": {"r1": "report", "r2": "watch", 7: "watch"}}, certainty=None)
    @example(response={"action": "a1", "reason": "r1", "extra": float("nan")}, certainty=None)
    @example(response={"options": ["x" * 100_000]}, certainty=None)
    @example(response={"options": ["a"] * 200_000, "option": "a", "rows": {"r1": "report", "r2": "watch"},
                       "action": "a1", "reason": "r1"}, certainty=None)
    @example(response={"option": "a", "rows": {"r1": "report", "r2": "watch"}, "action": "a1", "reason": "r1",
                       "options": ["a", "b"]}, certainty=[2])
    def check(response: Any, certainty: Any) -> None:
        attempt_id = seats.at(item.id)
        before = _count(mstore, Response, Response.attempt_id == attempt_id)
        try:
            score, state = attempts.submit_answer(mstore, mini, attempt_id, item.id, response, certainty)
        except attempts.InvalidInput as exc:
            for message in exc.messages:
                _plain(message)
            assert _count(mstore, Response, Response.attempt_id == attempt_id) == before  # nothing stored
            return
        seats.open.pop(item.id)  # answered: the next example needs a fresh attempt
        assert 0 <= score.points <= score.max_points == max_points(item)
        with mstore() as s:
            row = s.scalars(select(Response).where(Response.attempt_id == attempt_id,
                                                   Response.item_id == item.id)).one()
        stored = json.loads(row.answer_json)
        assert 0 <= row.points <= row.max_points
        # What is kept is the answer itself: the type's own keys, as the form sends them, nothing else.
        assert set(stored) <= set(_keys(item_type, mini)), stored
        assert len(row.answer_json) <= MAX_RESPONSE_CHARS
        assert state.answered("cases")[item.id].points == score.points

    check()


# ---------------------------------------------------------------- the evaluation form

class _Evaluating:
    """An attempt waiting for its evaluation (a refused evaluation leaves it waiting; an accepted one closes it)."""

    def __init__(self, store: sessionmaker[Session], loaded: LoadedModule) -> None:
        self.store, self.loaded, self.attempt_id, self.n = store, loaded, None, 0

    def at(self) -> str:
        if self.attempt_id is None:
            self.n += 1
            _, state = attempts.start_attempt(self.store, self.loaded, {
                "name": "Eva Luation", "email": f"eva{self.n}@example.org", "profession": "Physician"}, pretest=False)
            while (nxt := attempts.next_item(self.loaded, state)) is not None:
                _, state = attempts.submit_answer(self.store, self.loaded, state.attempt_id, nxt, *RIGHT[nxt])
            assert state.phase == "evaluation"
            self.attempt_id = state.attempt_id
        return self.attempt_id


@pytest.fixture(scope="module")
def waiting(mstore, mini) -> _Evaluating:
    return _Evaluating(mstore, mini)


ratings = st.one_of(st.integers(-2, 8), st.booleans(), st.floats(), st.sampled_from([3.0, "3", None, [3]]))
hours = st.one_of(st.none(), st.floats(), st.integers(-3, 10), st.sampled_from([0.25, 0.5, 1, 1.0, 0.3, 1e-300, 10**400]),
                  st.booleans(), st.sampled_from(["1", "0.5", [1]]))
free_text = st.one_of(nasty_text, st.none(), st.integers(), st.just("ok " * 2000))
LABELS = ("Relevance", "Balance", "Commercial bias", "Intended change in practice", "Reflective note",
          "Comments on the activity", "CPD hours claimed")


@QUICK
@given(relevance=ratings, balance=ratings, bias=st.one_of(st.none(), st.booleans(), st.sampled_from([0, 1, "Yes"])),
       bias_asked=st.booleans(), change=free_text, reflection=free_text, comments=free_text, claimed=hours)
@example(relevance=True, balance=5, bias=False, bias_asked=True, change="Ask.", reflection="Useful.", comments="",
         claimed=None)
@example(relevance=5, balance=5, bias=False, bias_asked=True, change="Ask.", reflection="Useful.", comments="",
         claimed=float("nan"))
@example(relevance=5, balance=4.0, bias=False, bias_asked=True, change="Ask.", reflection="Useful.", comments="",
         claimed=0.5)
def test_any_evaluation_is_refused_field_by_field_or_stored_clean(mstore, mini, waiting, relevance, balance, bias, bias_asked,
                                                                  change, reflection, comments, claimed):
    attempt_id = waiting.at()
    try:
        state = attempts.submit_evaluation(mstore, attempt_id, relevance=relevance, balance=balance,
                                           intended_change=change, reflection=reflection, hours_claimed=claimed,
                                           commercial_bias=bias, comments=comments, bias_asked=bias_asked)
    except attempts.InvalidInput as exc:
        assert exc.messages
        for message in exc.messages:
            _plain(message)
            assert message.startswith(LABELS), message
        assert _count(mstore, Evaluation, Evaluation.attempt_id == attempt_id) == 0
        assert attempts.load_state(mstore, attempt_id).phase == "evaluation"
        return
    waiting.attempt_id = None
    assert state.finished
    for rating in (relevance, balance):
        assert type(rating) is int and 1 <= rating <= 5
    maximum = mini.module.cpd_hours
    assert claimed is None or (type(claimed) in (int, float) and math.isfinite(claimed) and 0 < claimed <= maximum
                               and (claimed * 4 == int(claimed * 4) or claimed == maximum))
    assert bias is None or type(bias) is bool
    row = attempts.load_evaluation(mstore, attempt_id)
    assert row is not None and (row.relevance, row.balance) == (relevance, balance)
    assert row.hours_claimed == claimed and row.commercial_bias == bias
    for value in (row.intended_change, row.reflection, row.comments or ""):
        assert _is_clean(value, multiline=True) and len(value) <= 5000




# ---------------------------------------------------------------- the workshop join and rejoin forms

@pytest.fixture(scope="module")
def workshop(mstore, mini):
    fac = person(mstore, "fac@forms.example", "facilitator", org="forms")
    made = room.create(mstore, mini, fac, title="Exosomes", held_on="2026-12-02", venue="Leeds", cpd_hours=1.5)
    seat = room.join(mstore, mini, made.room.join_code, {"name": "Ana Ruiz", "profession": "Dermatologist"},
                     client="setup")
    return made.room, seat


JOIN_MESSAGES = ("Name", "Profession", "Registration number", "E-mail", "No workshop has this code",
                 "Too many wrong codes")


@QUICK
@given(code=st.one_of(st.just("REAL"), text, st.none(), st.integers()),
       name=st.one_of(nasty_text, st.sampled_from(["Ana Ruiz", "Bo"]), st.none(), st.integers()),
       profession=st.one_of(st.sampled_from(PROFESSIONS), nasty_text, st.none()),
       registration=st.one_of(st.none(), nasty_text, st.just("GMC 1234567")),
       email=st.one_of(st.none(), nasty_text, st.just("bo@example.org")))
def test_any_join_form_is_refused_plainly_or_seats_one_clean_person(mstore, mini, workshop, code, name, profession,
                                                                   registration, email):
    r, _ = workshop
    typed = r.join_code if code == "REAL" else code
    before = _count(mstore, WorkshopParticipant, WorkshopParticipant.workshop_id == r.id)
    try:
        seat = room.join(mstore, mini, typed, {"name": name, "profession": profession,
                                               "registration_number": registration, "email": email},
                         client=secrets.token_hex(8))
    except WorkshopError as exc:
        _plain(str(exc))
        assert str(exc).startswith(JOIN_MESSAGES), str(exc)
        assert _count(mstore, WorkshopParticipant, WorkshopParticipant.workshop_id == r.id) == before
        return
    assert typed == r.join_code or (isinstance(typed, str) and room.codes.normalise(typed) == r.join_code)
    assert _count(mstore, WorkshopParticipant, WorkshopParticipant.workshop_id == r.id) == before + 1
    assert _is_clean(seat.shown_name) and profession in PROFESSIONS
    assert seat.personal_number is not None and re.fullmatch(r"\d{4}", seat.personal_number)


@QUICK
@given(code=st.one_of(st.just("REAL"), text, st.none(), st.integers()),
       name=st.one_of(st.just("Ana Ruiz"), nasty_text, st.none(), st.integers(), st.just(["Ana Ruiz"])),
       number=st.one_of(st.just("REAL"), nasty_text, st.none(), st.integers(0, 9999)))
@example(code="REAL", name="Ana\x00Ruiz", number="REAL")
@example(code="REAL", name="<b>Ana Ruiz</b>", number="0000")
@example(code="REAL", name="A" * 300, number="0000")
def test_any_rejoin_form_finds_only_the_real_seat(mstore, workshop, code, name, number):
    r, seat = workshop
    typed = r.join_code if code == "REAL" else code
    typed_number = seat.personal_number if number == "REAL" else number
    try:
        found = room.rejoin_by_number(mstore, typed, name, typed_number, client=secrets.token_hex(8))
    except WorkshopError as exc:
        _plain(str(exc))
        return
    assert found.participant_id == seat.participant_id and isinstance(name, str) and name.strip() == "Ana Ruiz"
    assert isinstance(typed_number, str) and typed_number.strip() == seat.personal_number


# ---------------------------------------------------------------- staff added one by one

@pytest.fixture(scope="module")
def clinic(mstore):
    return directory.create_organisation(mstore, "Forms Clinic", "forms-clinic")


@QUICK
@given(name=nasty_text, email=st.one_of(nasty_text, st.builds(lambda n: f"staff{n}@clinic.example", st.integers(0, 5)),
                                        st.just("Ann@Clinic.Example\x00"), st.just("ann\u202e@clinic.example")),
       role=st.one_of(nasty_text, st.sampled_from(["Nurse", "=cmd|' /C calc'!A0"])),
       start=st.dates(), registration=st.one_of(st.none(), nasty_text))
@example(name="Ann", email="ann\x00@clinic.example", role="Nurse", start=date(2026, 1, 5), registration=None)
@example(name="Ann", email="ann\u202e@clinic.example", role="Nurse", start=date(2026, 1, 5), registration=None)
@example(name="Ann", email="ann\x01@clinic.example", role="Nurse", start=date(2026, 1, 5), registration=None)
def test_a_person_added_by_hand_is_refused_plainly_or_added_clean(mstore, clinic, name, email, role, start,
                                                                  registration):
    before = _count(mstore, StaffMember, StaffMember.organisation_id == clinic.id)
    try:
        member = roster.add_person(mstore, clinic.id, name=name, email=email, role=role, start_date=start,
                                   registration_number=registration)
    except (roster.RosterError, InvalidText) as exc:  # what the roster page catches and shows
        for part in str(exc).split("; "):  # one problem per field, each short
            _plain(part)
        assert _count(mstore, StaffMember, StaffMember.organisation_id == clinic.id) == before
        return
    assert _count(mstore, StaffMember, StaffMember.organisation_id == clinic.id) == before + 1
    assert _is_clean(member.name) and _is_clean(member.job_role) and _is_clean(member.email)
    assert "@" in member.email and member.email == member.email.lower()


# ---------------------------------------------------------------- sign-in and "find my attempts"

@pytest.fixture(scope="module")
def account(mstore):
    person(mstore, "staff@forms.example", "facilitator", org="forms")
    return "staff@forms.example"


GENEROUS = signin.Limits(per_account_and_client=10**6, per_client=10**6, per_account=10**6)


@FEW
@given(email=st.one_of(nasty_text, st.just("STAFF@forms.example "), st.just("staff@forms.example\x00")),
       password=st.one_of(text, st.just(PASSWORD + "\x00"), st.just(PASSWORD.upper()), st.just("")),
       org=st.one_of(st.none(), text, st.just("forms"), st.just("forms\x00")))
@example(email="staff@forms.example", password=PASSWORD, org="forms\x00")
def test_any_sign_in_gets_the_plain_wrong_answer(mstore, account, email, password, org):
    result = signin.authenticate(mstore, email, password, client=secrets.token_hex(8), org_slug=org, limits=GENEROUS)
    if result.ok:  # only the real address (any case and spacing) with the real password
        assert password == PASSWORD and email.strip().lower() == account
        return
    assert result.message == signin.WRONG and result.principal is None


@pytest.mark.parametrize("org", ["forms\x00", "x" * 100_000, "../forms", "FORMS "])
def test_the_password_reset_form_takes_any_organisation_name_quietly(mstore, account, org):
    from cpd.accounts import links
    from cpd.storage.tables import Token

    before = _count(mstore, Token)
    links.request_password_reset(mstore, account, org_slug=org, public_url=PUBLIC_URL)  # the page says the same
    assert _count(mstore, Token) == before + (org == "FORMS ")  # a link only for the real organisation's account


def test_a_megabyte_password_is_refused_without_hashing_a_megabyte(mstore, account, monkeypatch):
    seen: list[int] = []

    class Recording:  # argon2 as it is, recording how much password it was given
        def verify(self, password_hash: str, password: str) -> bool:
            seen.append(len(password))
            return real.verify(password_hash, password)

    real = passwords._hasher
    monkeypatch.setattr(passwords, "_hasher", Recording())
    huge = PASSWORD + "x" * 1_000_000
    for address in (account, "nobody@forms.example"):
        result = signin.authenticate(mstore, address, huge, client=secrets.token_hex(8), limits=GENEROUS)
        assert not result.ok and result.message == signin.WRONG
    assert seen and max(seen) <= passwords.MAX_LENGTH  # argon2 never sees more than the longest allowed password


@QUICK
@given(email=st.one_of(nasty_text, st.none(), st.integers(), st.builds(lambda n: f"fuzz{n}@example.org",
                                                                       st.integers(1, 3))))
def test_find_my_attempts_gives_one_reply_for_any_address(mstore, mini, seats, email):
    seats.at(next(iter(RIGHT)))  # some learners exist, so known addresses are in the mix
    try:
        reply = learner_access.request_link(mstore, email, client=secrets.token_hex(8), public_url=PUBLIC_URL)
    except learner_access.AccessError as exc:  # a malformed address, or this address asked too often
        assert str(exc) in ("E-mail: enter the address you used when you started the module (name@example.org)",
                            learner_access.THROTTLED)
        return
    assert reply == learner_access.SENT  # the same whether or not the address has attempts


# ---------------------------------------------------------------- GIFT and QTI import

GIFT_PIECES = st.sampled_from(["::", "::Title::", "{", "}", "=", "~", "#", "####", "->", "%50%", "%-100%", "%x%",
                               "\\", "\\{", "\n", "\n\n", "\r\n", "// @cpd ", "// @cpd-module ", "// @cpd-case ",
                               "// @cpd-stage ", "// @cpd-objective ", "$CATEGORY: x", "[markdown]", "T", "FALSE",
                               " ", "a", "Which?"])
json_text = json_values.map(lambda v: json.dumps(v, allow_nan=True))
gift_text = st.lists(st.one_of(GIFT_PIECES, json_text, text.map(lambda t: t[:8])), max_size=40).map("".join)


def _import_leaves_a_plain_draft(imported) -> None:
    """Written out and checked as ``python -m cpd import`` does: the report names problems, never crashes."""
    for note in imported.notes:
        _plain(note)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "draft"
        write_bank(imported, out)
        for err in problems(out):
            assert str(err).strip()


@QUICK
@given(st.one_of(text, gift_text))
@example('// @cpd-module {"id": 1}\n\nQ{=a~b}')
@example('// @cpd-case [1, 2]\n\nQ{=a~b}')
@example('// @cpd {"type": "single_best"}\nQ{=a~b}')
@example('// @cpd 5\nQ{=a~b}')
@example('// @cpd {"type": "matrix", "id": "x", "objective": "o", "extra": {"rows": 3}}\nQ{=a->b =c->d}')
def test_any_gift_text_imports_a_plain_draft_or_notes_why_never_a_crash(source):
    imported = gift.loads(source, "upload")
    items = [i for c in imported.cases for s in c.get("stages", []) for i in s.get("items", [])]
    if "{" not in source:
        assert not items  # no answer part, no question
    _import_leaves_a_plain_draft(imported)


QTI_TAGS = ["qti-assessment-item", "qti-item-body", "qti-choice-interaction", "qti-simple-choice",
            "qti-response-declaration", "qti-correct-response", "qti-value", "qti-match-interaction",
            "qti-simple-match-set", "qti-simple-associable-choice", "qti-feedback-inline", "qti-prompt", "p",
            "qti-assessment-test", "qti-test-part", "qti-assessment-section", "qti-assessment-item-ref",
            "qti-modal-feedback"]
QTI_ATTRS = ["identifier", "response-identifier", "max-choices", "match-max", "class", "title", "cardinality",
             "base-type", "href"]


def _element(tag: str, attrs: dict[str, str], children: list[Any], body: str) -> str:
    a = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<{tag}{a}>{body}{''.join(children)}</{tag}>"


xml_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<>&\"\x00"), max_size=20)
attr_value = st.one_of(xml_text, st.sampled_from(["RESPONSE", "1", "0", "-1", "99999999999999999999", "cpd-type-matrix",
                                                  "cpd-type-single_best cpd-ev-x", "_a", "a b", "multiple",
                                                  "identifier", "items/q.xml", ""]))
xml_tree = st.recursive(
    st.builds(_element, st.sampled_from(QTI_TAGS), st.dictionaries(st.sampled_from(QTI_ATTRS), attr_value, max_size=3),
              st.just([]), xml_text),
    lambda inner: st.builds(_element, st.sampled_from(QTI_TAGS),
                            st.dictionaries(st.sampled_from(QTI_ATTRS), attr_value, max_size=3),
                            st.lists(inner, max_size=4), xml_text),
    max_leaves=15,
).map(lambda x: x.replace("<qti-assessment-item", f'<qti-assessment-item xmlns="{qti.NS}"', 1)
      .replace("<qti-assessment-test", f'<qti-assessment-test xmlns="{qti.NS}"', 1))
xml_soup = st.lists(st.one_of(st.sampled_from(["<", ">", "</", "/>", '="', '"', "<!DOCTYPE x [<!ENTITY e SYSTEM "
                                               "'file:///etc/passwd'>]>", "&e;", "<?xml version='1.0'?>",
                                               "<![CDATA[", "]]>", f' xmlns="{qti.NS}"']),
                              st.sampled_from(QTI_TAGS), xml_text), max_size=30).map(lambda p: "".join(p).encode())
xml_bytes = st.one_of(xml_tree.map(str.encode), xml_soup, st.binary(max_size=200))


def _manifest(items: list[str], test: bool) -> bytes:
    res = "".join(f'<resource identifier="r{i}" type="imsqti_item_xmlv3p0" href="items/{i}.xml"/>'
                  for i in range(len(items)))
    if test:
        res += '<resource identifier="t" type="imsqti_test_xmlv3p0" href="test.xml"/>'
    return (f'<manifest xmlns="{qti.CP_NS}"><metadata><schemaversion>3.0.0</schemaversion></metadata>'
            f"<resources>{res}</resources></manifest>").encode()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _unpack(data: bytes) -> None:
    try:
        imported = qti.unpack(data, "upload")
    except qti.PackageError as exc:
        _plain(str(exc))
        return
    _import_leaves_a_plain_draft(imported)


@QUICK
@given(manifest=st.one_of(xml_bytes, st.none()), items=st.lists(xml_bytes, max_size=3), test=st.one_of(st.none(),
                                                                                                       xml_bytes))
def test_any_xml_in_a_qti_package_is_a_plain_error_or_a_draft_never_a_crash(manifest, items, test):
    files = {f"items/{i}.xml": data for i, data in enumerate(items)}
    if test is not None:
        files["test.xml"] = test
    files["imsmanifest.xml"] = manifest if manifest is not None else _manifest(items, test is not None)
    _unpack(_zip(files))


@pytest.fixture(scope="module")
def real_package(mini) -> bytes:
    return qti.package(bank_of(mini))


@QUICK
@given(st.data())
def test_a_real_qti_package_damaged_anywhere_is_a_plain_error_or_a_draft(real_package, data):
    damaged = bytearray(real_package)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(damaged)))
    _unpack(bytes(damaged[:cut]) if data.draw(st.booleans()) else bytes(damaged))


@QUICK
@given(st.binary(max_size=400))
def test_any_bytes_as_a_qti_package_are_a_plain_error(data):
    with pytest.raises(qti.PackageError) as refused:
        qti.unpack(data, "upload")
    _plain(str(refused.value))


@pytest.mark.parametrize("case_id", ["../../escaped", "/tmp/escaped", "a/../../escaped", ".hidden", 7])
def test_an_imported_case_id_never_chooses_where_the_draft_is_written(tmp_path, case_id):
    source = f"// @cpd-case {json.dumps({'id': case_id, 'title': 'T'})}\n// @cpd-stage {{\"id\": \"s\"}}\n\nQ{{=a~b}}\n"
    out = tmp_path / "import" / "draft"
    written = write_bank(gift.loads(source, "upload"), out)
    assert all(p.resolve().is_relative_to(out.resolve()) for p in written)
    assert sorted(p.name for p in (out / "questions").iterdir()) == ["case-1.yaml"]
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped.yaml").exists()
    assert any("id" in str(e) for e in problems(out))  # the draft says the id is wrong
