"""After a workshop: results, register (CSV and PDF read back), evaluation summary, certificates, and who may see them."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import RIGHT, WRONG
from sqlalchemy import func, select
from workshop_helpers import person

from cpd import attempts
from cpd.certificates.design import load_default_design
from cpd.certificates.service import stored_record
from cpd.outbox import run_until_idle
from cpd.outbox.worker import WorkerOptions
from cpd.settings import PROJECT_ROOT, Settings
from cpd.storage.tables import Certificate
from cpd.workshops import certify, results, room
from cpd.workshops.room import NotAllowed, WorkshopError

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SECRET = "MY-PRIVATE-REFLECTION-7731"
PEOPLE = [
    ({"name": "Ana Ruiz", "profession": "Dermatologist", "registration_number": "GMC 7654321",
      "email": "ana@example.org"}, RIGHT),
    ({"name": "Ben Okafor", "profession": "Nurse / nurse prescriber"}, WRONG),
    ({"name": "=HYPERLINK(\"http://x\")", "profession": "Physician"}, RIGHT),
    ({"name": "Dee Silent", "profession": "Dentist"}, None),  # joins, answers nothing
]


@pytest.fixture(scope="module")
def issuer_parts():
    return load_default_design(PROJECT_ROOT / "certificates"), Ed25519PrivateKey.generate()


def run_workshop(store, mini, fac, *, anonymous=False, assessed=True):
    r = room.create(store, mini, fac, title="Exosomes: a reality check", held_on="2026-12-02",
                    venue="Royal Hall, Leeds", cpd_hours=1.5, anonymous=anonymous, assessed=assessed, now=T0).room
    seats = [room.join(store, mini, r.join_code, data, client="10.0.0.1", now=T0 + timedelta(seconds=n))
             for n, (data, _) in enumerate(PEOPLE)]
    for item in mini.items():
        room.open_item(store, mini, r.id, item.id, fac)
        for seat, (_, answers) in zip(seats, PEOPLE, strict=True):
            if answers is not None:
                room.answer(store, mini, seat, item.id, *answers[item.id])
        room.reveal(store, r.id, fac)
    room.finish(store, mini, r.id, fac)
    for seat in seats[:2]:  # Ana and Ben evaluate, with a private reflective note
        attempts.submit_evaluation(store, seat.attempt_id, relevance=5, balance=4, intended_change="Ask for the CoA.",
                                   reflection=SECRET, commercial_bias=seat is seats[1], comments="Good cases.",
                                   bias_asked=True)
    return r, seats


@pytest.fixture
def fac(store):
    return person(store, "fac@soc.example", "facilitator")


def test_results_per_participant_and_per_item(store, mini, fac):
    r, _ = run_workshop(store, mini, fac)
    res = results.results(store, mini, r.id, fac)
    names = [p.shown_name for p in res.participants]
    assert names == [d["name"] for d, _ in PEOPLE]
    by_name = {p.shown_name: p for p in res.participants}
    assert by_name["Ana Ruiz"].passed is True and by_name["Ana Ruiz"].percent == 100
    assert by_name["Ben Okafor"].passed is False and by_name["Dee Silent"].answered == 0
    source = next(i for i in res.analysis.items if i.item_id == "q-source")
    assert source.answered == 3 and source.facility == pytest.approx(2 / 3)  # Ana and the third right, Ben wrong
    assert res.analysis.participants == 4


def test_anonymous_results_are_per_item_only(store, mini, fac):
    r, _ = run_workshop(store, mini, fac, anonymous=True)
    res = results.results(store, mini, r.id, fac)
    assert res.participants == ()
    assert res.joined == 4 and res.analysis.items
    shown = repr(res) + results.item_analysis_csv(store, mini, r.id, fac).decode("utf-8")
    for data, _ in PEOPLE:
        assert data["name"] not in shown


def test_register_as_csv_and_as_pdf_kept_with_the_workshop(store, mini, fac):
    r, _ = run_workshop(store, mini, fac)
    data = results.register_csv(store, r.id, fac)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(results.REGISTER_HEADER)
    assert [row[0] for row in rows[1:]] == ["Ana Ruiz", "Ben Okafor", "'=HYPERLINK(\"http://x\")", "Dee Silent"]
    assert rows[1][1:3] == ["Dermatologist", "GMC 7654321"]
    assert rows[1][3] == "2026-12-02 09:00" and rows[1][4]  # joined; left (last answer)
    assert [row[5] for row in rows[1:]] == [str(len(mini.items()))] * 3 + ["0"]
    assert rows[4][4] == ""  # Dee never answered: no time of leaving is made up

    pdf = results.register_pdf(store, mini, r.id, fac, provider="British Society of Examples")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Attendance register: Exosomes: a reality check", "Royal Hall, Leeds", "Ana Ruiz", "GMC 7654321",
                     "Ben Okafor", "Dee Silent", "=HYPERLINK", "2026-12-02 09:00", "4 attended"):
        assert expected in text, expected
    assert results.kept(store, r.id, "register.pdf", fac) == pdf
    assert results.kept(store, r.id, "register.csv", fac) == data


def test_evaluation_summary_and_the_reflective_note_reaches_no_facilitator_file(store, mini, fac):
    r, _ = run_workshop(store, mini, fac)
    summary = results.evaluation_summary(store, mini, r.id, fac)
    assert summary.count == 2 and summary.bias_noticed == 1 and summary.bias_not_noticed == 1
    assert summary.relevance[5] == 2 and summary.balance[4] == 2
    ev = results.evaluation_csv(store, mini, r.id, fac).decode("utf-8-sig")
    assert "Good cases." in ev and "Ask for the CoA." in ev and "Royal Hall, Leeds" in ev
    files = [ev, results.register_csv(store, r.id, fac).decode("utf-8-sig"),
             results.item_analysis_csv(store, mini, r.id, fac).decode("utf-8-sig"), repr(summary),
             repr(results.results(store, mini, r.id, fac))]
    pdf = results.register_pdf(store, mini, r.id, fac, provider="Society")
    files.append("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    for f in files:
        assert SECRET not in f
    # the learner still has it
    assert attempts.load_evaluation(store, results.attendees(store, r.id)[0].attempt_id).reflection == SECRET


def test_only_the_workshops_facilitator_or_an_admin_gets_anything(store, mini, fac):
    r, _ = run_workshop(store, mini, fac)
    other = person(store, "fac@other.example", "facilitator", org="other")
    colleague = person(store, "fac2@soc.example", "facilitator")  # same society, not this workshop's facilitator
    for who in (other, colleague):
        for call in (lambda w: results.results(store, mini, r.id, w), lambda w: results.register_csv(store, r.id, w),
                     lambda w: results.register_pdf(store, mini, r.id, w, provider="x"),
                     lambda w: results.evaluation_csv(store, mini, r.id, w),
                     lambda w: results.kept(store, r.id, "register.csv", w),
                     lambda w: certify.request_all(store, r.id, w), lambda w: certify.progress(store, r.id, w),
                     lambda w: certify.zip_all(store, r.id, w)):
            with pytest.raises(NotAllowed):
                call(who)
    admin = person(store, "admin@example.org", "admin", org=None)
    assert len(results.results(store, mini, r.id, admin).participants) == 4


def _settings(tmp_path, smtp=None) -> Settings:
    return Settings(data_dir=tmp_path, public_url="https://cpd.example.org",
                    smtp_url=smtp.url if smtp else None, mail_from="CPD <cpd@example.org>")


def _handlers(store, tmp_path, issuer_parts, smtp=None):
    settings = _settings(tmp_path, smtp)
    design, key = issuer_parts
    issuer = certify.Issuer(store, design, key, settings.public_url)

    def issue(effect):
        certify.issue_one(issuer, effect.payload["workshop"], effect.payload["attempt"])

    return {certify.KIND: issue, certify.MAIL_KIND: certify.certificate_mail_handler(settings, store)}, issuer


def test_certificates_for_everyone_who_passed_mailed_zipped_and_on_the_phone(store, mini, fac, tmp_path, issuer_parts,
                                                                         smtp_server):
    r, seats = run_workshop(store, mini, fac)
    assert certify.progress(store, r.id, fac).requested is False
    assert certify.request_all(store, r.id, fac) == 2  # Ana and the third passed; Ben failed, Dee answered nothing
    assert certify.request_all(store, r.id, fac) == 2  # asking again queues nothing twice
    handlers, issuer = _handlers(store, tmp_path, issuer_parts, smtp_server)
    before = certify.progress(store, r.id, fac)
    assert (before.entitled, before.issued) == (2, 0)
    options = WorkerOptions(batch_size=10, lease=timedelta(seconds=30), max_tries=3, retry_base=timedelta(seconds=1))
    run_until_idle(store, handlers, options)  # the certificates; each queues its e-mail
    run_until_idle(store, handlers, options)  # the e-mail
    after = certify.progress(store, r.id, fac)
    assert (after.issued, after.failed, after.mailed, after.to_mail, after.done) == (2, 0, 1, 1, True)

    data, n = certify.zip_all(store, r.id, fac)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        first = z.read(names[0])
    assert n == 2 and len(names) == 2 and "Ana-Ruiz" in names[0]
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(first)).pages)
    assert "Live workshop" in text and "Royal Hall, Leeds" in text and "1.5" in text and "Ana Ruiz" in text
    # An assessed workshop: awarded for assessment, the score printed against the module's pass mark.
    assert "Certificate of CPD Completion" in text and "participation" not in text.lower()
    assert "Score / pass mark" in text and "100% (pass mark 70%)" in text

    mine = certify.for_seat(store, seats[0])
    assert mine is not None and bytes(mine.pdf) == first
    record = stored_record(mine)
    assert (record.format, record.venue, str(record.completion_date), record.cpd_hours) == \
        ("live workshop", "Royal Hall, Leeds", "2026-12-02", 1.5)
    assert (record.awarded_for, record.score_percent, record.pass_mark_percent) == ("assessment", 100, 70)
    assert certify.for_seat(store, seats[1], issuer) is None  # Ben failed an assessed workshop

    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "ana@example.org"
    attached = [p for p in mail.iter_attachments()]
    assert attached and attached[0].get_content() == first


def test_attendance_workshop_certifies_everyone_who_took_a_seat_and_the_phone_gets_it_at_once(
        store, mini, fac, tmp_path, issuer_parts):
    r, seats = run_workshop(store, mini, fac, assessed=False)
    _, issuer = _handlers(store, tmp_path, issuer_parts)
    assert certify.for_seat(store, seats[3], issuer) is None  # not asked for yet
    assert certify.request_all(store, r.id, fac) == 4
    cert = certify.for_seat(store, seats[3], issuer)  # Dee, on her phone, before any worker ran
    assert cert is not None
    record = stored_record(cert)
    # Awarded for taking part, and saying so: no score and no "pass mark 0 %" anywhere.
    assert (record.awarded_for, record.score_percent, record.pass_mark_percent) == ("participation", None, None)
    assert record.format == "live workshop" and "participation, not an assessment" in record.accreditation_statement
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(bytes(cert.pdf))).pages)
    assert "Certificate of participation" in text and "took part in the live CPD workshop" in text
    assert "Dee Silent" in text and "Royal Hall, Leeds" in text
    assert "pass mark" not in text.lower() and "score" not in text.lower() and "%" not in text
    assert certify.for_seat(store, seats[3], issuer).id == cert.id
    with store() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1


def test_certificates_wait_for_the_end_of_the_workshop(store, mini, fac):
    r = room.create(store, mini, fac, title="T", held_on="2026-12-02", venue="V", cpd_hours=1).room
    with pytest.raises(WorkshopError, match="Finish the workshop first"):
        certify.request_all(store, r.id, fac)


def test_item_analysis_of_a_modules_self_paced_attempts_page_and_command(store, mini, capsysbinary, monkeypatch):
    import argparse

    from mini_answers import finish

    from cpd import item_analysis_data, reports_cli

    finish(store, mini, RIGHT)
    finish(store, mini, WRONG, learner={"name": "Ben", "email": "ben@example.org", "profession": "Physician"})
    stats = item_analysis_data.for_module(store, mini)
    source = next(i for i in stats.items if i.item_id == "q-source")
    assert (stats.participants, source.answered, source.facility) == (2, 2, 0.5)
    assert {o.id: o.chosen_by for o in source.options}["a"] == 1
    monkeypatch.setattr("cpd.onboarding.cli._modules", lambda: lambda module_id: mini if module_id == "mini" else None)
    args = argparse.Namespace(session_factory=store, report="item-analysis", module="mini",
                              date_from=date(2000, 1, 1), date_to=date(2100, 1, 1), out=None)
    assert reports_cli.cmd_report(args) == 0
    rows = list(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Item", "Question", "Answered", "Facility"]
    assert any(r[0] == "q-source" and r[3] == "0.50" for r in rows)
    assert rows[-1][1] == "KR-20 (2 participants)"  # every answer wholly right or wholly wrong
