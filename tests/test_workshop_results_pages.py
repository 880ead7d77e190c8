"""After the workshop on the pages (AppTest): the console's results, files and certificates; the phone's evaluation
and certificate. The reflective note and (anonymous mode) the names never reach the facilitator's page."""

from __future__ import annotations

from mini_answers import RIGHT, WRONG
from streamlit.testing.v1 import AppTest
from test_workshop_pages import _console_script, app_env, click, phone, sent, texts  # noqa: F401 - fixture
from workshop_helpers import person

from cpd.accounts import signin
from cpd.outbox import run_until_idle
from cpd.ui import staff
from cpd.workshops import certify, room

SECRET = "PRIVATE-NOTE-5521"


def _room(store, mini, fac, *, anonymous=False):
    r = room.create(store, mini, fac, title="Leeds evening", held_on="2026-12-02", venue="Leeds", cpd_hours=2,
                    anonymous=anonymous).room
    ana = room.join(store, mini, r.join_code, {"name": "Ana Visible", "profession": "Dermatologist",
                                              "email": "ana@example.org"}, client="x")
    ben = room.join(store, mini, r.join_code, {"name": "Ben Hidden", "profession": "Other"}, client="x")
    for item in mini.items():
        room.open_item(store, mini, r.id, item.id, fac)
        room.answer(store, mini, ana, item.id, *RIGHT[item.id])
        room.answer(store, mini, ben, item.id, *WRONG[item.id])
    return r, ana, ben


def _console(store, monkeypatch, email="fac@soc.example"):
    token = signin.authenticate(store, email, "a long password 1", client="t").session_token
    monkeypatch.setattr(staff, "cookie_token", lambda: token)
    return AppTest.from_function(_console_script, default_timeout=60).run()


def test_the_phone_evaluates_then_downloads_its_certificate_and_the_console_issues_everyones(app_env, mini, monkeypatch):
    store = app_env
    fac = person(store, "fac@soc.example", "facilitator")
    r, ana, _ben = _room(store, mini, fac)
    room.finish(store, mini, r.id, fac)

    at = phone(w=ana.device_token)
    assert "The workshop has finished" in texts(at)
    assert not [s for s in at.select_slider]  # a workshop's hours are the facilitator's, not claimed
    for radio in at.radio:
        radio.set_value("No" if radio.label.startswith("Did you notice") else 5)
    areas = {a.label.split(" ")[0]: a for a in at.text_area}
    areas["What"].set_value("Ask for the CoA.")
    areas["Comments"].set_value("Great discussion.")
    areas["Reflective"].set_value(SECRET)
    at = click(at, "Submit evaluation")
    assert "Your evaluation is saved" in texts(at)
    assert "once the facilitator issues the certificates" in texts(at)

    console = _console(store, monkeypatch)
    page = sent(console)
    assert "Ana Visible" in page and "Ben Hidden" in page  # named workshop: per participant
    assert SECRET not in page and "Great discussion." not in page  # comments go to the CSV, never a note
    assert "Evaluations: 1" in page
    console = click(console, "Issue certificates to everyone entitled")
    assert "1 certificate(s) queued" in texts(console)  # Ana passed; Ben did not
    run_until_idle(store)
    console.run()
    page = sent(console)
    assert "Certificates issued: 1 of 1" in page and "All certificates (ZIP, 1)" in page
    assert SECRET not in page

    at.run()
    assert [b for b in at.get("download_button") if "Download your certificate" in b.proto.label]
    assert certify.for_seat(store, ana) is not None


def test_anonymous_console_shows_no_name_and_another_facilitator_sees_no_workshop(app_env, mini, monkeypatch):
    store = app_env
    fac = person(store, "fac@soc.example", "facilitator")
    r, _ana, _ben = _room(store, mini, fac, anonymous=True)
    room.finish(store, mini, r.id, fac)
    page = sent(_console(store, monkeypatch))
    assert "Anonymous workshop: results per question only. 2 took part." in page
    assert "Ana Visible" not in page and "Ben Hidden" not in page
    assert "Register (PDF)" in page and "Evaluations (CSV)" in page

    person(store, "fac@other.example", "facilitator", org="other")
    other = _console(store, monkeypatch, "fac@other.example")
    assert "No workshops yet." in texts(other)
    assert "Leeds evening" not in sent(other)
