"""The manager's pages (AppTest): roster import with preview and confirmation, assignments, dashboard, evidence."""

from __future__ import annotations

from datetime import date

import pytest
from onboarding_support import clinics, link_from_mail
from streamlit.testing.v1 import AppTest
from test_admin import app_env, signed_in  # noqa: F401 - fixtures and the session helper shared with the admin pages

from cpd.accounts import signin
from cpd.onboarding import roster
from cpd.ui import staff

PASSWORD = "correct horse battery"


def _script(name):
    import importlib

    importlib.import_module(f"cpd.ui.{name}").page()


def open_page(name: str) -> AppTest:
    return AppTest.from_function(_script, args=(name,), default_timeout=60).run()


def as_manager(monkeypatch, store, slug):
    token = signin.authenticate(store, f"manager@{slug}.example", PASSWORD, client="test").session_token
    monkeypatch.setattr(staff, "cookie_token", lambda: token)


def table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.mark.parametrize("name", ["onboarding_roster", "onboarding_assignments", "onboarding_dashboard",
                                  "onboarding_evidence"])
def test_only_a_manager_gets_past_the_door(app_env, monkeypatch, name):  # noqa: F811
    from cpd.accounts import directory

    directory.create_organisation(app_env, "Clinic A", "clinic-a")
    signed_in(monkeypatch, app_env, "author@clinic-a.example", role="author", org_slug="clinic-a")
    at = open_page(name)
    assert "for a clinic's managers" in at.info[0].value and not at.dataframe and not at.button


def test_import_shows_the_report_and_imports_only_after_confirmation(app_env, monkeypatch):  # noqa: F811
    orgs = clinics(app_env)
    as_manager(monkeypatch, app_env, "clinic-a")
    at = open_page("onboarding_roster")
    data = ("name,email,role,start date\r\nMaría José,mj@clinic-a.example,Nurse,2026-03-01\r\n"
            "Bad Row,not-mail,Nurse,2026-03-01\r\n=cmd,x@clinic-a.example,Nurse,2026-03-01\r\n").encode()
    at.file_uploader(key="roster-file").set_value(("staff.csv", data, "text/csv")).run()
    report = table(at, "Problem")
    assert list(report["Line"]) == [3, 4]
    assert "not an e-mail address" in report["Problem"][0] and "spreadsheet formula" in report["Problem"][1]
    assert "Nothing has been imported" in at.error[0].value
    button = next(b for b in at.button if b.key == "do-import")
    assert button.disabled
    assert len(roster.list_members(app_env, orgs["clinic-a"][0].id)) == 2
    at.checkbox(key="good-only").check().run()
    next(b for b in at.button if b.key == "do-import").click().run()
    assert "Imported 1 people. Skipped lines 3, 4." in at.success[0].value
    names = {m.name for m in roster.list_members(app_env, orgs["clinic-a"][0].id)}
    assert "María José" in names and "=cmd" not in names


def test_a_windows_1252_file_needs_the_preview_confirmed(app_env, monkeypatch):  # noqa: F811
    orgs = clinics(app_env)
    as_manager(monkeypatch, app_env, "clinic-a")
    at = open_page("onboarding_roster")
    data = "name,email,role,start date\r\nJosé Núñez,jose@clinic-a.example,Nurse,2026-03-01\r\n".encode("cp1252")
    at.file_uploader(key="roster-file").set_value(("old.csv", data, "text/csv")).run()
    assert "not UTF-8" in at.warning[0].value and list(table(at, "Name")["Name"])[0] == "José Núñez"
    assert not any(b.key == "do-import" for b in at.button)
    at.checkbox(key="cp1252-ok").check().run()
    next(b for b in at.button if b.key == "do-import").click().run()
    assert "José Núñez" in {m.name for m in roster.list_members(app_env, orgs["clinic-a"][0].id)}


def test_assign_then_dashboard_and_evidence_show_only_this_clinic(app_env, monkeypatch):  # noqa: F811
    clinics(app_env)
    as_manager(monkeypatch, app_env, "clinic-b")
    at = open_page("onboarding_assignments")
    at.selectbox[1].select("Nurse")
    at.button[0].click().run()
    assert "Assigned to 1 new people" in at.success[0].value
    assert link_from_mail(app_env, "bart@clinic-b.example")
    as_manager(monkeypatch, app_env, "clinic-a")
    at = open_page("onboarding_assignments")
    at.selectbox[1].select("Nurse")
    at.button[0].click().run()
    dash = open_page("onboarding_dashboard")
    (status_table,) = [h.proto.body for h in dash.get("html") if "<table>" in h.proto.body]
    assert "<td>Zoë Ångström</td>" in status_table and "Bart" not in status_table  # Bart (clinic B) is not here
    assert status_table.count("<tr>") == 2  # the header and Zoë
    assert [m.value for m in dash.metric if m.label == "Not started"] == ["1"]  # due in 14 days (the default)
    evidence_page = open_page("onboarding_evidence")
    assert "Hash chain intact" in evidence_page.success[0].value
    log = table(evidence_page, "Action")
    assert "assignment.create" in set(log["Action"]) and "roster.import" in set(log["Action"])
    evidence_page.button[0].click().run()
    assert evidence_page.get("download_button")



def _learn():
    from cpd.ui import learn

    learn.page()


def test_the_personal_link_opens_the_persons_own_attempt_without_a_password(app_env, monkeypatch):  # noqa: F811
    from cpd.onboarding import assignments
    from cpd.onboarding.assignments import Due
    from cpd.ui import resources

    org, manager = clinics(app_env)["clinic-a"]
    assignments.assign(app_env, org.id, resources.module("mini"), Due(on=date(2027, 1, 1)), role="Nurse",
                       public_url="http://localhost:8501", actor_id=manager.id)
    token = link_from_mail(app_env, "zoe@clinic-a.example")
    at = AppTest.from_function(_learn, default_timeout=60)
    at.query_params["assignment"] = token
    at.run()
    assert not at.exception and not at.text_input  # no start form, no name or e-mail to type
    assert at.title[0].value == "Mini module for tests"
    first = at.session_state["attempt"]
    assert first.learner_name == "Zoë Ångström"
    again = AppTest.from_function(_learn, default_timeout=60)  # another device, same link
    again.query_params["assignment"] = token
    again.run()
    assert again.session_state["attempt"].attempt_id == first.attempt_id
    assignments.revoke_link(app_env, org.id, assignments_id(app_env, org.id))
    gone = AppTest.from_function(_learn, default_timeout=60)
    gone.query_params["assignment"] = token
    gone.run()
    assert "not valid any more" in gone.error[0].value and "attempt" not in gone.session_state


def assignments_id(store, org_id):
    from cpd.onboarding import overview

    with store() as s:
        return overview.rows(s, org_id, date.today())[0].assignment_id


def test_the_status_table_escapes_what_a_roster_csv_put_there():
    from datetime import date

    from cpd.onboarding.overview import Row
    from cpd.onboarding.status import Status
    from cpd.ui.onboarding_dashboard import status_table

    row = Row(staff_id="s1", name='<img src=x onerror="alert(1)">', email="x@example.org", role="Nurse & <b>co</b>",
              start_date=date(2026, 1, 5), registration_number=None, module_id="mini", assignment_id="a1", cycle=1,
              due=date(2026, 1, 19), status=Status.PASSED, completed=date(2026, 1, 10), score=100.0,
              certificate_id="abc123", valid_until=date(2028, 1, 10), module_version="1.0", content_hash="f" * 64,
              cycle_passed=True, previous_assignment_id=None)
    html = status_table([row], "https://cpd.example.org", {"s1": [("due-7", "sent")]})
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "Nurse &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert '<a href="https://cpd.example.org/?verify=abc123">abc123</a>' in html and "<td>2028-01-10</td>" in html
    assert "<td>due-7 (sent)</td>" in html
    assert 'tabindex="0"' in html and 'role="region"' in html  # scrollable from the keyboard on a phone
    assert "(nobody matches these filters)" in status_table([], "https://cpd.example.org", {})
