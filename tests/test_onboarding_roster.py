"""Roster files: every kind of bad row is reported by line; imports are all-or-nothing (also under a crash)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from onboarding_support import ROOT
from sqlalchemy import func, select

from cpd import audit
from cpd.accounts import directory
from cpd.onboarding import roster
from cpd.onboarding.roster_csv import parse_roster
from cpd.storage.tables import AuditEntry, StaffMember

GOOD = "name,email,role,start date\r\nZoë Ångström,zoe@example.org,Nurse,2026-01-05\r\n"


def test_utf8_with_and_without_bom_read_the_same():
    plain = parse_roster(GOOD.encode())
    bom = parse_roster(b"\xef\xbb\xbf" + GOOD.encode())
    assert plain.ok and bom.ok
    assert plain.rows[0].name == bom.rows[0].name == "Zoë Ångström"


def test_windows_1252_only_after_the_preview_is_confirmed():
    data = GOOD.encode("cp1252")
    first = parse_roster(data)
    assert first.needs_encoding_confirmation and not first.rows
    assert first.preview == ["Zoë Ångström"]  # what the manager is shown before confirming
    confirmed = parse_roster(data, allow_windows_1252=True)
    assert confirmed.ok and confirmed.encoding == "windows-1252" and confirmed.rows[0].name == "Zoë Ångström"


def test_a_missing_column_is_reported_on_line_1():
    parsed = parse_roster(b"name,email,start date\r\nA,a@example.org,2026-01-01\r\n")
    assert [str(p) for p in parsed.problems] == [
        "line 1: missing column(s): role (the first line must name: name, email, role, start date, and optionally "
        "registration number)"]


def test_each_kind_of_bad_row_is_named_with_its_line():
    text = ("Name,E-mail,Role,Start_Date,Registration Number\r\n"
            "Good Person,good@example.org,Nurse,2026-01-05,\r\n"       # 2 fine
            "Bad Mail,not-an-address,Nurse,2026-01-05,\r\n"            # 3
            "Twin,GOOD@example.org,Nurse,2026-01-05,\r\n"              # 4 duplicate (case-insensitive)
            "Bad Date,bd@example.org,Nurse,05/01/2026,\r\n"             # 5
            "Not Real,nr@example.org,Nurse,2026-02-30,\r\n"             # 6
            "=HYPERLINK(\"http://x\"),f@example.org,Nurse,2026-01-05,\r\n"  # 7 formula
            "Reg Formula,rf@example.org,@SUM(A1),2026-01-05,\r\n"       # 8 formula in role
            ",empty@example.org,Nurse,2026-01-05,\r\n"                   # 9 no name
            "Existing,already@example.org,Nurse,2026-01-05,\r\n")        # 10 on the roster already
    parsed = parse_roster(text.encode(), existing_emails=frozenset({"already@example.org"}))
    by_line = {p.line: p.message for p in parsed.problems}
    assert [r.line for r in parsed.rows] == [2]
    assert "is not an e-mail address" in by_line[3]
    assert by_line[4] == "duplicate person: good@example.org is already on line 2"
    assert "is not a date; write it as YYYY-MM-DD" in by_line[5]
    assert "is not a real date" in by_line[6]
    assert "would run as a spreadsheet formula" in by_line[7]
    assert "role starts with '@'" in by_line[8]
    assert by_line[9] == "name is missing"
    assert by_line[10] == "duplicate person: already@example.org is already on the roster"
    assert parsed.bad_lines == [3, 4, 5, 6, 7, 8, 9, 10]


def _org(store):
    return directory.create_organisation(store, "Clinic A", "clinic-a")


def _count(store, org_id):
    with store() as s:
        return s.scalar(select(func.count()).select_from(StaffMember).where(StaffMember.organisation_id == org_id))


def test_a_file_with_problems_imports_nothing_unless_good_rows_are_confirmed(store):
    org = _org(store)
    data = (GOOD + "Bad,bad,Nurse,2026-01-05\r\n").encode()
    parsed = roster.check_file(store, org.id, data)
    with pytest.raises(roster.RosterError, match="1 line\\(s\\) have problems; nothing was imported"):
        roster.import_roster(store, org.id, parsed)
    assert _count(store, org.id) == 0
    result = roster.import_roster(store, org.id, parsed, good_rows_only=True)
    assert result.imported == 1 and result.skipped_lines == (3,)
    assert _count(store, org.id) == 1
    with store() as s:
        entry = audit.recent(s, org.id, limit=1)[0]
    assert entry.action == "roster.import" and '"skipped_lines":1' in entry.details_json
    assert audit.verify(store(), org.id)[0].ok


def test_an_unconfirmed_windows_1252_file_imports_nothing(store):
    org = _org(store)
    with pytest.raises(roster.RosterError, match="not UTF-8"):
        roster.import_roster(store, org.id, roster.check_file(store, org.id, GOOD.encode("cp1252")), good_rows_only=True)
    assert _count(store, org.id) == 0


def test_a_crash_half_way_leaves_the_roster_and_audit_log_as_they_were(store):
    org = _org(store)
    rows = "".join(f"Person {i},p{i}@example.org,Nurse,2026-01-05\r\n" for i in range(50))
    parsed = roster.check_file(store, org.id, ("name,email,role,start date\r\n" + rows).encode())
    seen = []

    def crash(row):
        seen.append(row.line)
        if len(seen) == 25:
            raise RuntimeError("the process died here")

    with store() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuntimeError):
        roster.import_roster(store, org.id, parsed, on_row=crash)
    assert _count(store, org.id) == 0
    with store() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert roster.import_roster(store, org.id, parsed).imported == 50  # and a second try works


def test_add_one_person_by_the_same_rules(store):
    org = _org(store)
    from datetime import date

    roster.add_person(store, org.id, name="Zoë", email="Zoe@Example.org", role="Nurse", start_date=date(2026, 1, 1))
    with pytest.raises(roster.RosterError, match="already on the roster"):
        roster.add_person(store, org.id, name="Zoë 2", email="zoe@example.org", role="Nurse", start_date=date(2026, 1, 1))
    with pytest.raises(roster.RosterError, match="spreadsheet formula"):
        roster.add_person(store, org.id, name="=1+1", email="x@example.org", role="Nurse", start_date=date(2026, 1, 1))


def test_the_command_line_import(tmp_path):
    env = {"CPD_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "cpd", *a], cwd=ROOT, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    assert run("org", "add", "Clinic A", "--slug", "clinic-a").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "Bad,bad,Nurse,2026-01-05\r\n", encoding="utf-8")
    out = run("roster", "import", "--org", "clinic-a", str(bad))
    assert out.returncode == 1
    assert "line 3: e-mail 'bad' is not an e-mail address" in out.stderr and "nothing was imported" in out.stderr
    out = run("roster", "import", "--org", "clinic-a", str(bad), "--good-rows-only")
    assert out.returncode == 0, out.stderr
    assert "imported 1 person (skipped line 3)" in out.stdout
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("name,email,role,start date\r\nJosé Núñez,jose@example.org,Nurse,2026-01-05\r\n".encode("cp1252"))
    out = run("roster", "import", "--org", "clinic-a", str(legacy))
    assert out.returncode == 1 and "José Núñez" in out.stderr and "--windows-1252" in out.stderr
    out = run("roster", "import", "--org", "clinic-a", str(legacy), "--windows-1252")
    assert out.returncode == 0 and "imported 1 person" in out.stdout
