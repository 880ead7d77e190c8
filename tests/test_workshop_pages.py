"""Workshop pages (AppTest): a phone joins, waits, answers, changes, sees the reveal; the console and projector.

"Nothing before the reveal" is checked on every element the phone's page sends
(each element's protobuf, as the browser would receive it): no rationale, no
key, no count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from workshop_helpers import person

from cpd.settings import get_settings
from cpd.storage.db import open_store
from cpd.ui import staff
from cpd.workshops import codes, poll, room

ROOT = Path(__file__).resolve().parent.parent
RATIONALES = ("The source determines the cargo.", "Price says nothing about safety.",
              "Packaging says nothing about content.")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    fixture = ROOT / "tests" / "fixtures" / "content"
    monkeypatch.setenv("CPD_MODULES_DIR", str(fixture / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(fixture / "questions"))
    monkeypatch.setenv("CPD_MODULE_ID", "mini")
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    get_settings.cache_clear()
    poll.forget()
    yield open_store(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    st.cache_resource.clear()
    get_settings.cache_clear()


def _phone_script():
    from cpd.ui import workshop_phone

    workshop_phone.page()


def _console_script():
    from cpd.ui import workshop_console

    workshop_console.page()


def phone(**params) -> AppTest:
    at = AppTest.from_function(_phone_script, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def sent(at: AppTest) -> str:
    """Every element's protobuf on the page, as text: what the browser receives."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def texts(at: AppTest) -> str:
    return " | ".join([*(e.value for e in at.info), *(e.value for e in at.success), *(e.value for e in at.warning),
                       *(e.value for e in at.error), *(m.value for m in at.markdown), *(c.value for c in at.caption)])


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0].click().run()


def join(at: AppTest, name: str = "Zoë <i>Ångström</i>", profession: str = "Dermatologist") -> AppTest:
    at.text_input(key="ws-name").set_value(name)
    at.selectbox(key="ws-profession").select(profession)
    return click(at, "Join")


def test_a_phone_joins_waits_answers_changes_and_sees_the_reveal_only_after_it(app_env, mini):
    fac = person(app_env, "fac@soc.example", "facilitator")
    r = room.create(app_env, mini, fac, title="Leeds workshop", held_on="2026-12-02", venue="Leeds", cpd_hours=2).room
    at = phone(code=codes.shown(r.join_code))
    assert at.text_input(key="ws-code").value == codes.shown(r.join_code)  # the QR link fills the code in

    at = join(at)
    assert "HTML or script" in at.error[0].value  # refused plainly, nothing stored
    assert room.participants_total(app_env, r.id) == 0
    at = join(at, name="Zoë Ångström")
    assert "Waiting for the facilitator" in texts(at)
    token = at.query_params["w"][0] if isinstance(at.query_params["w"], list) else at.query_params["w"]
    number = next(i.value for i in at.info if "personal number" in i.value)

    room.open_item(app_env, mini, r.id, "q-source", fac)
    at.run()  # the poller's rerun
    page = sent(at)
    assert "What do you ask first?" in page and "Where the cells came from" in page
    assert not any(x in page for x in RATIONALES) and "correct" not in page.lower().replace("incorrect", "")
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-option"))).set_value("b")
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-certainty"))).set_value(2)
    at = click(at, "Submit answer")
    assert "Your answer is saved: “The price per vial”" in texts(at)
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-option"))).set_value("a")
    at = click(at, "Submit answer")
    assert "Your answer is saved: “Where the cells came from”" in texts(at)
    assert not any(x in sent(at) for x in RATIONALES)

    room.close_item(app_env, r.id, fac)
    at.run()
    assert "Answers are closed" in texts(at) and not any(x in sent(at) for x in RATIONALES)
    assert not at.button  # no form left to change the answer

    room.reveal(app_env, r.id, fac)
    at.run()
    assert "Right" in texts(at) and RATIONALES[0] in sent(at)

    # a reload (new session, same URL) and a server restart keep the seat and the answer
    st.cache_resource.clear()
    again = phone(w=token)
    assert "Zoë Ångström" in texts(again) and RATIONALES[0] in sent(again)
    # another phone: code + name + personal number
    other = phone()
    other.expander  # noqa: B018 - the rejoin form lives in an expander
    other.text_input(key="ws-code2").set_value(r.join_code)
    other.text_input(key="ws-name2").set_value("Zoë Ångström")
    other.text_input(key="ws-number").set_value(number.split("is ")[1][:4])
    other = click(other, "Take my seat back")
    assert "Zoë Ångström" in texts(other) and RATIONALES[0] in sent(other)


def test_wrong_code_and_pause_on_the_phone(app_env, mini):
    fac = person(app_env, "fac@soc.example", "facilitator")
    r = room.create(app_env, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    at = phone(code="ACD-EFH" if r.join_code != "ACDEFH" else "HFE-DCA")
    at = join(at, name="Ana")
    assert "No workshop has this code" in at.error[0].value
    at.text_input(key="ws-code").set_value(r.join_code)
    at = join(at, name="Ana")
    room.open_item(app_env, mini, r.id, "q-source", fac)
    room.pause(app_env, r.id, fac)
    at.run()
    assert "paused" in texts(at) and not at.radio


def test_the_console_needs_a_facilitator_and_runs_the_room(app_env, mini, monkeypatch):
    monkeypatch.setattr(staff, "cookie_token", lambda: None)
    at = AppTest.from_function(_console_script, default_timeout=30).run()
    assert "Sign in with a facilitator account" in at.info[0].value

    from cpd.accounts import signin

    fac = person(app_env, "fac@soc.example", "facilitator")
    token = signin.authenticate(app_env, "fac@soc.example", "a long password 1", client="t").session_token
    monkeypatch.setattr(staff, "cookie_token", lambda: token)
    at = AppTest.from_function(_console_script, default_timeout=30).run()
    at.text_input(key="ws-title").set_value("Evening session on exosomes")
    at.text_input(key="ws-venue").set_value("Leeds")
    at.number_input(key="ws-hours").set_value(1.75)
    at = click(at, "Create workshop")
    [r] = room.list_for(app_env, fac)
    assert r.cpd_hours == 1.75 and f"Join code {codes.shown(r.join_code)}" in texts(at)
    seat = room.join(app_env, mini, r.join_code, {"name": "Ana", "profession": "Other"}, client="x")
    at.selectbox(key="ws-item").select("q-source")
    at = click(at, "Open question")
    assert room.room(app_env, r.id).open_item == "q-source"
    assert any("Joined: 1 · Answered the open question: 0" in t.value for t in at.text)
    assert any(t.value == "Ana" for t in at.text)  # who has not answered (named mode)
    room.answer(app_env, mini, seat, "q-source", {"option": "b"}, 1)
    at = click(at, "Reveal")
    r = room.room(app_env, r.id)
    assert "q-source" in r.revealed and "q-source" in r.closed

    # the projector view from the console (same signed-in browser)
    proj = AppTest.from_function(_console_script, default_timeout=30)
    proj.query_params["projector"] = r.id
    proj.run()
    shown = sent(proj)
    assert "most-chosen wrong answer" in shown and "The price per vial" in shown and "Ana" not in shown
    assert "Evidence (" in shown


def test_projector_link_lobby_counts_and_no_key_before_reveal(app_env, mini):
    fac = person(app_env, "fac@soc.example", "facilitator")
    created = room.create(app_env, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1, anonymous=True)
    r = created.room
    room.join(app_env, mini, r.join_code, {"name": "Secret Name", "profession": "Other"}, client="x")
    proj = phone(k=created.projector_key)
    shown = sent(proj)
    assert codes.shown(r.join_code) in shown and "1 joined" in shown and "Secret Name" not in shown
    assert "Scan to join" in shown  # the QR code image, captioned
    room.open_item(app_env, mini, r.id, "q-source", fac)
    proj.run()
    shown = sent(proj)
    assert "0 of 1 answered" in shown and not any(x in shown for x in RATIONALES)
    assert "most-chosen" not in shown
    bad = phone(k="x" * 43)
    assert "not valid" in bad.error[0].value
