"""Workshop pages (AppTest): a phone joins, waits, answers, changes, sees the reveal; the console and projector.

"Nothing before the reveal" is checked on every element the phone's page sends
(each element's protobuf, as the browser would receive it): no rationale, no
key, no count.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest
from workshop_helpers import person

from cpd.content.loader import load_module
from cpd.settings import get_settings
from cpd.storage.db import open_store
from cpd.ui import staff
from cpd.workshops import codes, poll, room

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "content"
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


# --- a self-paced workshop: the module's own feedback after each item -----------------------------------

SELF_RIGHT = {
    "q-source": {"option": "a", "certainty": 3},
    "q-checks": {"a": True, "b": True},
    "q-grid": {"r1": "report", "r2": "watch"},
    "q-pair": {"action": "a1", "reason": "r1"},
}
SELF_ITEMS = list(SELF_RIGHT)


def _item_rationales() -> dict[str, list[str]]:
    """Every rationale of every item, read from the fixture's YAML (the key the phone must not get early)."""
    case = yaml.safe_load((FIXTURE / "questions" / "mini-case.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for stage in case["stages"]:
        for item in stage["items"]:
            parts = [*item.get("options", []), *item.get("rows", []), *item.get("actions", []),
                     *item.get("reasons", [])]
            out[item["id"]] = [p["rationale"] for p in parts]
    return out


ITEM_RATIONALES = _item_rationales()


def shown_item(at: AppTest) -> str | None:
    """The item whose form is on the phone (form id ``form-ws-self-<item>``)."""
    forms = {w.form_id for w in (*at.radio, *at.checkbox) if w.form_id.startswith("form-ws-self-")}
    assert len(forms) <= 1, forms
    return forms.pop().removeprefix("form-ws-self-") if forms else None


def answer_self(at: AppTest, item_id: str) -> AppTest:
    widgets = [w for w in (*at.radio, *at.checkbox) if w.form_id == f"form-ws-self-{item_id}"]
    for suffix, value in SELF_RIGHT[item_id].items():
        [w] = [w for w in widgets if w.key.endswith(f"-{item_id}-{suffix}")]
        w.set_value(value)
    return click(at, "Submit answer")


def unanswered_key_absent(at: AppTest, answered: set[str]) -> None:
    page = sent(at)
    for item_id, rationales in ITEM_RATIONALES.items():
        if item_id not in answered:
            leaked = [r for r in rationales if r in page]
            assert not leaked, f"{item_id} not answered yet, but its rationale reached the phone: {leaked}"
    assert "is_correct" not in page and "correct: true" not in page


def _self_paced_room(store, loaded):
    fac = person(store, "fac@soc.example", "facilitator")
    r = room.create(store, loaded, fac, title="Self-paced evening", held_on="2026-12-02", venue="Online",
                    cpd_hours=1, pacing="self").room
    return join(phone(code=codes.shown(r.join_code)), name="Ana Ruiz")


def test_self_paced_feedback_after_each_item_survives_a_reload_and_never_shows_an_unanswered_key(app_env, mini):
    at = _self_paced_room(app_env, mini)
    token = at.query_params["w"][0] if isinstance(at.query_params["w"], list) else at.query_params["w"]
    assert shown_item(at) == "q-source"
    assert "Notice the cues" in sent(at)  # the stage is shown above the question
    unanswered_key_absent(at, set())

    at = answer_self(at, "q-source")
    assert shown_item(at) is None  # the feedback replaces the form
    assert "Right" in texts(at)
    page = sent(at)
    assert "The source determines the cargo." in page  # the rationale of the chosen option
    strength = mini.reference("ref-verified").strength.label
    assert "Smith A, Jones B (2024)" in page and f"evidence: **{strength}**" in page  # evidence with its strength
    assert [b.label for b in at.button if b.label == "Continue"] == ["Continue"]
    unanswered_key_absent(at, {"q-source"})

    # a reload on the feedback screen brings the feedback back (stored, not in the session)
    st.cache_resource.clear()
    again = phone(w=token)
    assert shown_item(again) is None and "The source determines the cargo." in sent(again)
    unanswered_key_absent(again, {"q-source"})

    at = click(again, "Continue")
    assert shown_item(at) == "q-checks"
    assert "The source determines the cargo." not in sent(at)  # feedback closed: the next question alone
    unanswered_key_absent(at, {"q-source"})
    st.cache_resource.clear()
    assert shown_item(phone(w=token)) == "q-checks"  # Continue is stored too: a reload does not reopen it

    done = {"q-source"}
    for item_id in SELF_ITEMS[1:]:
        at = answer_self(at, item_id)
        done.add(item_id)
        assert shown_item(at) is None and any(r in sent(at) for r in ITEM_RATIONALES[item_id])
        unanswered_key_absent(at, done)
        at = click(at, "Continue")
    assert "You have answered every question" in texts(at)
    assert [e.label for e in at.expander] == ["Feedback on every question"]


def test_deferred_self_paced_goes_straight_on_and_gives_all_the_feedback_at_the_end(app_env, tmp_path):
    content = tmp_path / "deferred"
    shutil.copytree(FIXTURE, content)
    module = content / "modules" / "mini.yaml"
    module.write_text(module.read_text().replace("feedback: immediate", "feedback: deferred"))
    deferred = load_module([content], "mini")
    at = _self_paced_room(app_env, deferred)
    for item_id in SELF_ITEMS:
        assert shown_item(at) == item_id
        unanswered_key_absent(at, set())  # deferred: no key at all before the end, answered or not
        at = answer_self(at, item_id)
        if item_id != SELF_ITEMS[-1]:
            assert not [b for b in at.button if b.label == "Continue"] and "Right" not in texts(at)
    assert "You have answered every question" in texts(at)
    page = sent(at)
    assert "Feedback on your answers" in page
    assert all(any(r in page for r in ITEM_RATIONALES[i]) for i in SELF_ITEMS)


def test_a_reopened_question_keeps_the_saved_answer_and_the_second_reveal_shows_the_changed_one(app_env, mini):
    fac = person(app_env, "fac@soc.example", "facilitator")
    r = room.create(app_env, mini, fac, title="W", held_on="2026-12-02", venue="V", cpd_hours=1).room
    at = join(phone(code=codes.shown(r.join_code)), name="Ana")
    room.open_item(app_env, mini, r.id, "q-source", fac)
    at.run()
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-option"))).set_value("b")
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-certainty"))).set_value(2)
    at = click(at, "Submit answer")
    room.reveal(app_env, r.id, fac)
    at.run()
    assert "Not right" in texts(at) and RATIONALES[1] in sent(at)

    room.open_item(app_env, mini, r.id, "q-source", fac)  # the facilitator goes back to it
    at.run()
    assert "Your answer is saved: “The price per vial”" in texts(at) and not any(x in sent(at) for x in RATIONALES)
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-option"))).set_value("a")
    at.radio(key=next(w.key for w in at.radio if w.key.endswith("-certainty"))).set_value(3)
    at = click(at, "Submit answer")
    assert "Your answer is saved: “Where the cells came from”" in texts(at)
    room.reveal(app_env, r.id, fac)
    at.run()
    assert "Right: " in texts(at) and "Not right" not in texts(at) and RATIONALES[0] in sent(at)
