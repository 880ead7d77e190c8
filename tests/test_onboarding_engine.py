"""Assignments, personal links, renewals, reminders across an SMTP outage, isolation between clinics, evidence."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from onboarding_support import (
    PUBLIC_URL,
    clinics,
    complete_through_link,
    link_from_mail,
    member,
    pdf_text,
)
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from cpd import audit, tokens
from cpd.attempts import InvalidToken
from cpd.certificates.service import lookup
from cpd.exports import csv_bytes
from cpd.onboarding import assignments, evidence, overview, reminders, roster
from cpd.onboarding.assignments import Due
from cpd.onboarding.status import Status
from cpd.outbox import run_until_idle
from cpd.outbox.mail import mail_handler
from cpd.outbox.worker import WorkerOptions
from cpd.settings import Settings
from cpd.storage.db import transaction
from cpd.storage.tables import Assignment, AuditEntry, OutboxEffect


def _rows(store, org_id, today):
    with store() as s:
        return overview.rows(s, org_id, today)


def _assign_nurses(store, mini, org, manager, within=14):
    return assignments.assign(store, org.id, mini, Due(within_days_of_start=within), role="Nurse",
                              public_url=PUBLIC_URL, actor_id=manager.id)


def test_assign_by_role_with_a_relative_due_date_mails_a_personal_link_that_opens_one_attempt(store, mini):
    orgs = clinics(store)
    org, manager = orgs["clinic-a"]
    created = _assign_nurses(store, mini, org, manager)
    assert len(created) == 1  # only the nurse, not the receptionist
    assert _assign_nurses(store, mini, org, manager) == []  # assigning again changes nothing
    row = _rows(store, org.id, date(2026, 1, 6))[0]
    assert (row.name, row.due, row.status) == ("Zoë Ångström", date(2026, 1, 19), Status.NOT_STARTED)
    token = link_from_mail(store, "zoe@clinic-a.example")
    with store() as s:  # stored hashed, never in clear
        assert s.scalar(select(func.count()).select_from(OutboxEffect)) >= 1
        assert tokens.lookup(s, tokens.Purpose.ASSIGNMENT, token).subject_id == created[0]
        assert not s.scalar(select(func.count()).select_from(tokens.Token).where(tokens.Token.token_hash == token))
    state, resume = assignments.open_link(store, token, lambda m: mini)
    assert resume is not None and state.learner_name == "Zoë Ångström" and state.learner_registration == "NMC 12A3456B"
    again, no_new = assignments.open_link(store, token, lambda m: mini)
    assert again.attempt_id == state.attempt_id and no_new is None  # resumed, not a second attempt
    assert _rows(store, org.id, date(2026, 1, 6))[0].status is Status.IN_PROGRESS
    assert _rows(store, org.id, date(2026, 1, 20))[0].status is Status.OVERDUE
    # the manager withdraws the link: it opens nothing any more
    assert assignments.revoke_link(store, org.id, created[0], actor_id=manager.id)
    with pytest.raises(InvalidToken, match="not valid any more"):
        assignments.open_link(store, token, lambda m: mini)
    new_link = assignments.resend_link(store, org.id, created[0], mini, public_url=PUBLIC_URL, actor_id=manager.id)
    back, _ = assignments.open_link(store, new_link.split("assignment=")[1], lambda m: mini)
    assert back.attempt_id == state.attempt_id  # the new link returns to the same attempt
    with store() as s:
        actions = [e.action for e in reversed(audit.recent(s, org.id))]
    assert actions.count("assignment.create") == 1 and actions.count("assignment.link_revoke") == 2
    assert "roster.import" in actions
    assert audit.verify(store(), org.id)[0].ok


def test_a_pass_shows_with_its_expiry_and_renews_once(store, mini):
    org, manager = clinics(store)["clinic-a"]
    [aid] = _assign_nurses(store, mini, org, manager)
    state, cert = complete_through_link(store, mini, link_from_mail(store, "zoe@clinic-a.example"))
    valid_until = lookup(store(), cert.id).record.valid_until
    today = date.today()
    row = _rows(store, org.id, today)[0]
    assert (row.status, row.certificate_id, row.valid_until) == (Status.PASSED, cert.id, valid_until)
    assert row.score == 100.0 and row.module_version == mini.module.version
    assert _rows(store, org.id, valid_until - timedelta(days=30))[0].status is Status.EXPIRING
    assert _rows(store, org.id, valid_until + timedelta(days=1))[0].status is Status.EXPIRED
    # 61 days before expiry nothing renews; at 60 the next cycle opens, exactly once however often the job runs
    before = valid_until - timedelta(days=61)
    assert reminders.run(store, before, lambda m: mini, public_url=PUBLIC_URL).renewals == 0
    on = valid_until - timedelta(days=60)
    assert reminders.run(store, on, lambda m: mini, public_url=PUBLIC_URL).renewals == 1
    assert reminders.run(store, on + timedelta(days=1), lambda m: mini, public_url=PUBLIC_URL).renewals == 0
    with store() as s:
        chain = list(s.scalars(select(Assignment).where(Assignment.staff_id == row.staff_id).order_by(Assignment.cycle)))
    assert [(a.cycle, a.renews_id) for a in chain] == [(1, None), (2, aid)]
    assert chain[1].due_date == valid_until
    row = _rows(store, org.id, on)[0]
    assert (row.cycle, row.status, row.certificate_id) == (2, Status.PASSED, cert.id)  # the old certificate still runs
    # the database itself refuses a parallel chain
    with pytest.raises(IntegrityError), transaction(store) as s:
        s.add(Assignment(id="x" * 36, organisation_id=org.id, staff_id=row.staff_id, module_id=mini.module.id, cycle=3,
                         renews_id=aid, due_date=on, created_at=chain[1].created_at))
    # the renewal link opens a new attempt; once passed, the new certificate decides
    renewal_token = link_from_mail(store, "zoe@clinic-a.example")
    _, cert2 = complete_through_link(store, mini, renewal_token)
    row = _rows(store, org.id, today)[0]
    assert (row.cycle, row.status, row.certificate_id) == (2, Status.PASSED, cert2.id)


def test_the_renewal_lead_time_is_the_modules_setting_and_renews_once(store, mini):
    """A module that renews 20 days ahead: nothing at 21 days, one renewal at 20, none more however often it runs."""
    org, manager = clinics(store)["clinic-a"]
    [aid] = _assign_nurses(store, mini, org, manager)
    _, cert = complete_through_link(store, mini, link_from_mail(store, "zoe@clinic-a.example"))
    valid_until = lookup(store(), cert.id).record.valid_until
    short = dataclasses.replace(mini, module=mini.module.model_copy(update={"renew_days_before_expiry": 20}))

    def run(day):
        return reminders.run(store, day, lambda m: short, public_url=PUBLIC_URL).renewals

    assert run(valid_until - timedelta(days=60)) == 0  # the old per-assignment default no longer decides
    assert run(valid_until - timedelta(days=21)) == 0
    assert run(valid_until - timedelta(days=20)) == 1
    # the setting edited to a longer lead afterwards, or the pass run again: still one chain, one renewal
    assert reminders.run(store, valid_until - timedelta(days=10), lambda m: mini, public_url=PUBLIC_URL).renewals == 0
    assert run(valid_until) == 0
    with store() as s:
        chain = [(a.cycle, a.renews_id) for a in s.scalars(select(Assignment).where(
            Assignment.module_id == mini.module.id).order_by(Assignment.cycle))]
        mails = s.scalar(select(func.count()).select_from(OutboxEffect).where(
            OutboxEffect.dedupe_key.contains(":link:"), OutboxEffect.payload_json.contains("zoe@clinic-a.example")))
    assert chain == [(1, None), (2, aid)]
    assert mails == 2  # the first link and the one renewal link


def _mail_handlers(smtp_server):
    return {"mail": mail_handler(Settings(smtp_url=smtp_server.url, mail_from="CPD <no-reply@cpd.example.org>"))}


def _options():
    return WorkerOptions(batch_size=50, lease=timedelta(seconds=60), max_tries=5, retry_base=timedelta(seconds=1))


def test_reminders_reach_person_and_manager_exactly_once_across_an_smtp_outage(store, mini, smtp_server):
    org, manager = clinics(store)["clinic-a"]
    _assign_nurses(store, mini, org, manager)  # due 2026-01-19
    smtp_server.stop()
    seven_before = date(2026, 1, 12)
    first = reminders.run(store, seven_before, lambda m: mini, public_url=PUBLIC_URL)
    assert first.reminders_queued == 2  # to Zoë and to her manager
    assert reminders.run(store, seven_before, lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 0
    down = run_until_idle(store, _mail_handlers(smtp_server), _options())
    assert down.retrying == 3 and down.delivered == 0 and not smtp_server.messages()
    with store() as s:
        log = overview.reminder_log(s, org.id)
    assert sorted(next(iter(log.values()))) == [("due-7 to manager", "queued"), ("due-7 to person", "queued")]
    smtp_server.start()
    later = datetime.now(UTC) + timedelta(hours=2)
    run_until_idle(store, _mail_handlers(smtp_server), _options(), now=later)
    assert reminders.run(store, date(2026, 1, 13), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 0
    run_until_idle(store, _mail_handlers(smtp_server), _options(), now=later)
    got = [(m["To"], m["Subject"]) for m in smtp_server.messages()]
    reminder_mails = [g for g in got if "due within 7 days" in g[1]]
    assert sorted(reminder_mails) == [("manager@clinic-a.example", "Zoë Ångström: Training due within 7 days: "
                                       + mini.module.title),
                                      ("zoe@clinic-a.example", "Training due within 7 days: " + mini.module.title)]
    assert sum("Your training" in g[1] for g in got) == 1  # the personal link, once
    # on the day and after: the next reminders, each once
    assert reminders.run(store, date(2026, 1, 19), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 2
    assert reminders.run(store, date(2026, 1, 20), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 2
    assert reminders.run(store, date(2026, 1, 25), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 0
    with store() as s:
        log = overview.reminder_log(s, org.id)
    assert {k for k, _ in next(iter(log.values()))} == {f"{kind} to {who}" for kind in ("due-7", "due-today", "overdue")
                                                       for who in ("person", "manager")}


def test_a_manager_of_clinic_a_gets_nothing_of_clinic_b(store, mini):
    orgs = clinics(store)
    (a, ma), (b, mb) = orgs["clinic-a"], orgs["clinic-b"]
    _assign_nurses(store, mini, a, ma)
    [b_assignment] = _assign_nurses(store, mini, b, mb)
    bart = member(store, b.id, "bart@clinic-b.example")
    # guessed ids
    with store() as s:
        assert roster.get_member(s, a.id, bart.id) is None
        assert assignments.get_assignment(s, a.id, b_assignment) is None
    with pytest.raises(roster.RosterError, match="No such person"):
        assignments.assign(store, a.id, mini, Due(on=date(2026, 3, 1)), staff_ids=[bart.id], public_url=PUBLIC_URL)
    with pytest.raises(roster.RosterError, match="No such assignment"):
        assignments.revoke_link(store, a.id, b_assignment)
    with pytest.raises(roster.RosterError, match="No such assignment"):
        assignments.resend_link(store, a.id, b_assignment, mini, public_url=PUBLIC_URL)
    with pytest.raises(roster.RosterError, match="No such person"):
        roster.change_role(store, a.id, bart.id, "Doctor")
    # pages, CSV and PDF are built from these rows
    rows = _rows(store, a.id, date(2026, 1, 6))
    assert {r.name for r in rows} == {"Zoë Ångström"}
    data = csv_bytes(overview.CSV_HEADER, overview.csv_rows(rows)).decode("utf-8-sig")
    assert "Zoë" in data and "Bartholomew" not in data and "clinic-b" not in data
    with store() as s:
        pdf = evidence.build(s, a.id, date(2026, 1, 6), public_url=PUBLIC_URL)
        assert "Bartholomew" not in pdf_text(pdf)
        assert all(e.organisation_id == a.id for e in audit.recent(s, a.id))
        assert not overview.reminder_log(s, a.id) or bart.id not in overview.reminder_log(s, a.id)
    # Bart's personal link opens Bart's own attempt only, and no token of B is valid as A's
    state, _ = assignments.open_link(store, link_from_mail(store, "bart@clinic-b.example"), lambda m: mini)
    assert state.learner_name == "Bartholomew Secret"
    assert {r.status for r in _rows(store, a.id, date(2026, 1, 6))} == {Status.NOT_STARTED}


def test_the_evidence_pack_names_every_certificate_the_gaps_and_the_audit_check(store, mini):
    org, manager = clinics(store)["clinic-a"]
    assignments.assign(store, org.id, mini, Due(on=date.today() + timedelta(days=10)), role="Nurse",
                       public_url=PUBLIC_URL, actor_id=manager.id)
    assignments.assign(store, org.id, mini, Due(on=date.today() + timedelta(days=20)), role="Receptionist",
                       public_url=PUBLIC_URL, actor_id=manager.id)
    _, cert = complete_through_link(store, mini, link_from_mail(store, "zoe@clinic-a.example"))
    with store() as s:
        text = pdf_text(evidence.build(s, org.id, date.today(), public_url=PUBLIC_URL))
    flat = " ".join(text.split())
    assert "Training evidence pack" in flat and "Clinic A" in flat
    assert "Zoë Ångström" in flat and "Ahmed Khan" in flat
    assert cert.id in flat.replace(" ", "") or cert.id in text.replace("\n", "")
    assert f"{mini.module.version} (" in flat  # the edition taken
    assert "Gaps and plan dates" in flat and (date.today() + timedelta(days=20)).isoformat() in flat
    assert "Hash-chain check of the organisation's audit log: OK" in flat and "roster.import" in flat
    assert lookup(store(), cert.id).status == "valid"  # every id printed verifies on the public page
    # a date before anyone took the module shows nobody passed
    with store() as s:
        early = " ".join(pdf_text(evidence.build(s, org.id, date.today() - timedelta(days=1),
                                                 public_url=PUBLIC_URL)).split())
    assert cert.id not in early.replace(" ", "")
    # someone edits an audit row in the database: the pack (and verify) say so
    with transaction(store) as s:
        s.execute(update(AuditEntry).where(AuditEntry.chain == org.id, AuditEntry.seq == 2)
                  .values(details_json='{"rows":99}'))
    report = audit.verify(store(), org.id)[0]
    assert not report.ok and report.problem.seq == 2
    with store() as s:
        flat = " ".join(pdf_text(evidence.build(s, org.id, date.today(), public_url=PUBLIC_URL)).split())
    assert "BROKEN" in flat and "entry 2" in flat


def test_a_manager_revokes_only_their_own_staffs_certificates_and_it_is_audited(store, mini):
    orgs = clinics(store)
    (a, ma), (b, mb) = orgs["clinic-a"], orgs["clinic-b"]
    _assign_nurses(store, mini, a, ma)
    _assign_nurses(store, mini, b, mb)
    _, cert_b = complete_through_link(store, mini, link_from_mail(store, "bart@clinic-b.example"))
    with pytest.raises(roster.RosterError, match="No such certificate"):
        assignments.revoke_certificate(store, a.id, cert_b.id, "wrong person", actor_id=ma.id)
    assert lookup(store(), cert_b.id).status == "valid"
    assignments.revoke_certificate(store, b.id, cert_b.id, "Issued to the wrong person", actor_id=mb.id)
    assert lookup(store(), cert_b.id).status == "revoked"
    with store() as s:
        assert audit.recent(s, b.id, limit=1)[0].action == "certificate.revoke"
        assert all(e.action != "certificate.revoke" for e in audit.recent(s, a.id))
    row = _rows(store, b.id, date.today())[0]  # a revoked certificate counts for nothing: due in January, so overdue
    assert (row.status, row.certificate_id) == (Status.OVERDUE, None)


def test_a_role_assignment_reaches_new_starters_and_people_moved_into_the_role(store, mini):
    org, manager = clinics(store)["clinic-a"]
    _assign_nurses(store, mini, org, manager, within=14)  # a standing rule for the role "Nurse"
    rules = assignments.Rules(lambda m: mini, PUBLIC_URL)
    data = b"name,email,role,start date\r\nNew Starter,new@clinic-a.example,Nurse,2026-04-01\r\n"
    roster.import_roster(store, org.id, roster.check_file(store, org.id, data), rules=rules, actor_id=manager.id)
    ahmed = member(store, org.id, "ahmed@clinic-a.example")
    roster.change_role(store, org.id, ahmed.id, "Nurse", actor_id=manager.id, rules=rules)
    due = {r.name: r.due for r in _rows(store, org.id, date(2026, 1, 6))}
    assert due == {"Zoë Ångström": date(2026, 1, 19), "New Starter": date(2026, 4, 15), "Ahmed Khan": date(2026, 2, 15)}
    assert link_from_mail(store, "new@clinic-a.example") and link_from_mail(store, "ahmed@clinic-a.example")
    with store() as s:
        actions = [e.action for e in audit.recent(s, org.id)]
    assert actions.count("assignment.create") == 3 and "staff.role_change" in actions


def test_names_print_in_the_pack_exactly_as_typed_never_as_typst_markup(store, mini):
    org, manager = clinics(store)["clinic-a"]
    html = parse_roster_bytes('"O\'Brien <z>",odd@clinic-a.example,Nurse,2026-01-05')
    assert [p.message for p in roster.check_file(store, org.id, html).problems] == [
        "Name: HTML or script is not accepted here; please write plain text"]
    odd = "O'Brien *Bold* _it_ #sys $x$ [y] @ref"
    parsed = roster.check_file(store, org.id, parse_roster_bytes(f'"{odd}",odd@clinic-a.example,Nurse,2026-01-05'))
    assert not parsed.problems
    roster.import_roster(store, org.id, parsed)
    _assign_nurses(store, mini, org, manager)
    with store() as s:
        text = " ".join(pdf_text(evidence.build(s, org.id, date.today(), public_url=PUBLIC_URL)).split())
    assert odd in text


def parse_roster_bytes(line: str) -> bytes:
    return f"name,email,role,start date\r\n{line}\r\n".encode()


def test_the_background_pass_queues_due_reminders_with_no_cron_job_and_stops_when_told(store, mini):
    import threading
    import time

    org, manager = clinics(store)["clinic-a"]
    _assign_nurses(store, mini, org, manager)  # due 2026-01-19: overdue by the real clock
    stop = threading.Event()
    loop = threading.Thread(target=reminders.daily_loop, args=(store, lambda m: mini),
                            kwargs={"public_url": PUBLIC_URL, "stop": stop, "every": 0.05})
    loop.start()
    deadline = time.monotonic() + 20
    log: dict = {}
    while time.monotonic() < deadline and not log:
        with store() as s:
            log = overview.reminder_log(s, org.id)
        time.sleep(0.05)
    stop.set()
    loop.join(timeout=10)
    assert not loop.is_alive()
    assert sorted(kind for kind, _ in next(iter(log.values()))) == ["overdue to manager", "overdue to person"]


def test_a_due_reminder_carries_a_personal_link_that_opens_the_same_attempt_and_withdrawing_kills_every_link(
        store, mini):
    import json
    import re

    org, manager = clinics(store)["clinic-a"]
    created = _assign_nurses(store, mini, org, manager)  # due 2026-01-19
    first_token = link_from_mail(store, "zoe@clinic-a.example")
    state, _ = assignments.open_link(store, first_token, lambda m: mini)
    assert reminders.run(store, date(2026, 1, 12), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 2
    assert reminders.run(store, date(2026, 1, 12), lambda m: mini, public_url=PUBLIC_URL).reminders_queued == 0
    with store() as s:
        payloads = {e.dedupe_key: json.loads(e.payload_json) for e in s.scalars(
            select(OutboxEffect).where(OutboxEffect.dedupe_key.contains(":due:")))}
        live = s.scalar(select(func.count()).select_from(tokens.Token).where(
            tokens.Token.subject_id == created[0], tokens.Token.revoked_at.is_(None)))
    assert live == 2  # the first e-mail's link and the reminder's: the second run issued none
    person = next(p for k, p in payloads.items() if k.endswith(":person"))
    manager_mail = next(p for k, p in payloads.items() if ":manager-" in k)
    text = json.dumps(person)
    reminder_token = re.search(r"assignment=([A-Za-z0-9_-]+)", text).group(1)
    assert reminder_token != first_token and "first e-mail" not in text
    assert "assignment=" not in json.dumps(manager_mail)  # a manager never gets someone's personal link
    again, new = assignments.open_link(store, reminder_token, lambda m: mini)
    assert again.attempt_id == state.attempt_id and new is None  # the same attempt, resumed
    assert assignments.open_link(store, first_token, lambda m: mini)[0].attempt_id == state.attempt_id
    assert assignments.revoke_link(store, org.id, created[0], actor_id=manager.id)
    for token in (first_token, reminder_token):
        with pytest.raises(InvalidToken, match="not valid any more"):
            assignments.open_link(store, token, lambda m: mini)
