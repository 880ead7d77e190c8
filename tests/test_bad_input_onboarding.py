"""Bad input, generated (hypothesis), for clinic onboarding and workshop joins: a roster CSV of any bytes, any
encoding, formula-looking cells or huge size gets a line-by-line report and never a crash or a half import; wrong
workshop codes are refused plainly and slowed per client; guessed join codes and personal links open nothing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onboarding_support import PUBLIC_URL, clinics, link_from_mail
from sqlalchemy import func, select
from workshop_helpers import PERSON, person

from cpd.accounts import directory
from cpd.attempts import InvalidToken
from cpd.onboarding import assignments, roster
from cpd.onboarding.assignments import Due
from cpd.onboarding.roster_csv import FORMULA_START, MAX_ROWS, parse_roster
from cpd.storage.tables import StaffMember
from cpd.workshops import codes, room
from cpd.workshops.room import JoinRefused

QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
HEADER = "name,email,role,start date,registration number"
T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _staff(store, org_id: str) -> int:
    with store() as s:
        return s.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.organisation_id == org_id))


@pytest.fixture
def org(store):
    return directory.create_organisation(store, "Fuzz Clinic", f"fuzz-{secrets.token_hex(4)}")


def _report_is_line_by_line(parsed, data_lines: int) -> None:
    for p in parsed.problems:
        assert 1 <= p.line <= max(data_lines, 2) and p.message.strip(), p
    for r in parsed.rows:
        assert r.line not in parsed.bad_lines  # a line is either good or reported, never both


def _import_is_all_or_nothing(store, org_id: str, parsed) -> None:
    before = _staff(store, org_id)
    if parsed.ok:
        assert roster.import_roster(store, org_id, parsed).imported == len(parsed.rows)
        assert _staff(store, org_id) == before + len(parsed.rows)
        return
    with pytest.raises(roster.RosterError, match="(?i)nothing was imported"):
        roster.import_roster(store, org_id, parsed)
    assert _staff(store, org_id) == before


# ---------------------------------------------------------------- any bytes at all

@QUICK
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_roster_get_a_report_never_a_crash_or_a_half_import(store, org, data):
    parsed = roster.check_file(store, org.id, data)
    assert parsed.ok or parsed.problems or parsed.needs_encoding_confirmation
    _report_is_line_by_line(parsed, data.count(b"\n") + data.count(b"\r") + 1)
    _import_is_all_or_nothing(store, org.id, parsed)


# ---------------------------------------------------------------- rows that look like a roster

formula_cell = st.builds(lambda c, rest: c + rest, st.sampled_from(sorted(FORMULA_START)),
                         st.text(min_size=1, max_size=12))
cell = st.one_of(st.text(max_size=30), formula_cell, st.sampled_from(["", " ", "2026-02-30", "05/03/2026", "x@y"]))
good_row = st.builds(lambda n, i, role, day: (f"Zoë Ångström {n}", f"person{i}@clinic.example", role,
                                              f"2026-01-{day:02d}", ""),
                     st.text(alphabet="abcdéñø ", min_size=1, max_size=10).map(str.strip).filter(bool),
                     st.integers(0, 40), st.sampled_from(["Nurse", "Doctor", "Réceptionniste"]), st.integers(1, 28))
any_row = st.one_of(good_row, st.tuples(cell, cell, cell, cell, cell))


@QUICK
@given(st.lists(any_row, min_size=1, max_size=12), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       st.sampled_from(["\r\n", "\n"]))
def test_generated_rosters_report_every_bad_line_and_import_all_good_rows_or_none(store, org, rows, encoding, eol):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=eol)
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    parsed = roster.check_file(store, org.id, data, allow_windows_1252=True)
    if encoding == "cp1252" and any(not "".join(r).isascii() for r in rows):
        assert parsed.encoding == "windows-1252" or parsed.encoding == "utf-8"  # decoded only as confirmed
        assert roster.check_file(store, org.id, data).needs_encoding_confirmation or parsed.encoding == "utf-8"
    _report_is_line_by_line(parsed, data.count(b"\n") + data.count(b"\r") + 1)
    # every formula-looking cell is reported on its own line (checked where each row is one line and every
    # character survived the encoding, so the line and the cell are known)
    one_line_each = not any(ch in "".join(r) for r in rows for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    if encoding != "cp1252" and one_line_each:
        for line, row in enumerate(rows, start=2):
            if any(c.strip()[:1] in FORMULA_START for c in row):
                assert line in parsed.bad_lines, (line, row, parsed.problems)
    _import_is_all_or_nothing(store, org.id, parsed)
    if parsed.problems and parsed.rows:  # the manager confirms the good rows: exactly those, once
        before = _staff(store, org.id)
        roster.import_roster(store, org.id, parsed, good_rows_only=True)
        assert _staff(store, org.id) == before + len(parsed.rows)


def test_a_huge_roster_and_a_huge_cell_are_reported_not_swallowed(store, org):
    many = (HEADER + "\r\n" + "".join(f"P {i},p{i}@clinic.example,Nurse,2026-01-05,\r\n" for i in range(MAX_ROWS + 5)))
    parsed = parse_roster(many.encode())
    assert any(f"more than {MAX_ROWS} people" in p.message for p in parsed.problems)
    _import_is_all_or_nothing(store, org.id, parsed)
    giant = (HEADER + "\r\n" + "A" * 2_000_000 + ",a@clinic.example,Nurse,2026-01-05,\r\n").encode()
    parsed = roster.check_file(store, org.id, giant)
    assert parsed.problems and parsed.problems[0].line == 2 and not parsed.rows
    _import_is_all_or_nothing(store, org.id, parsed)


# ---------------------------------------------------------------- workshop join codes

@pytest.fixture
def open_room(store, mini):
    fac = person(store, "fac@soc.example", "facilitator")
    return room.create(store, mini, fac, title="Exosomes", held_on="2026-12-02", venue="Leeds", cpd_hours=1.5).room


@QUICK
@given(st.one_of(st.text(max_size=40), st.builds(lambda: codes.new_code()), st.binary(max_size=20), st.none(),
                 st.integers()))
def test_any_typed_code_but_the_rooms_own_is_refused_plainly(store, open_room, typed):
    if codes.normalise(typed) == open_room.join_code:
        return
    with pytest.raises(JoinRefused) as refused:
        room.find_open(store, typed, client=secrets.token_hex(8), now=T0)
    assert str(refused.value) == "No workshop has this code. Check the code on the screen and try again."


def test_many_wrong_codes_from_one_client_are_slowed_and_others_are_not(store, mini, open_room):
    guesses = [c for c in (codes.new_code() for _ in range(room.FAILS_ALLOWED * 5)) if c != open_room.join_code]
    slowed = 0
    for guess in guesses:
        with pytest.raises(JoinRefused) as refused:
            room.find_open(store, guess, client="203.0.113.7", now=T0)
        slowed += "wait" in str(refused.value)
    assert slowed == len(guesses) - room.FAILS_ALLOWED  # every guess after the allowance waits
    with pytest.raises(JoinRefused, match="wait"):  # even the right code, from that client, for now
        room.join(store, mini, open_room.join_code, PERSON, client="203.0.113.7", now=T0)
    assert room.join(store, mini, open_room.join_code, PERSON, client="198.51.100.1", now=T0).shown_name
    later = T0 + room.FAIL_WINDOW + timedelta(seconds=1)
    assert room.find_open(store, open_room.join_code, client="203.0.113.7", now=later).id == open_room.id


# ---------------------------------------------------------------- personal links

def test_guessed_and_altered_personal_links_open_nothing(store, mini):
    org, manager = clinics(store)["clinic-a"]
    assignments.assign(store, org.id, mini, Due(within_days_of_start=14), role="Nurse", public_url=PUBLIC_URL,
                       actor_id=manager.id)
    real = link_from_mail(store, "zoe@clinic-a.example")
    guesses = [secrets.token_urlsafe(32) for _ in range(40)] + [
        real[:-1] + ("A" if real[-1] != "A" else "B"), real.upper(), real + "x", real[1:], "", " " * 3, "'; --"]
    for guess in guesses:
        with pytest.raises(InvalidToken, match="not valid any more"):
            assignments.open_link(store, guess, lambda m: mini)
    state, _ = assignments.open_link(store, real, lambda m: mini)  # the real one still opens her own attempt
    assert state.learner_name == "Zoë Ångström"


def test_a_file_that_is_neither_utf8_nor_clean_csv_asks_for_the_encoding_instead_of_crashing(store, org):
    """Found by the generator above: a lone carriage return before a non-UTF-8 byte crashed the preview."""
    parsed = roster.check_file(store, org.id, b"\r\x80")
    assert parsed.needs_encoding_confirmation and not parsed.rows
    confirmed = roster.check_file(store, org.id, b"\r\x80", allow_windows_1252=True)
    assert confirmed.problems and not confirmed.rows
