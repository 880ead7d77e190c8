"""The learner pages through Streamlit's AppTest, on the fixture module ``mini``.

Every test drives the real ``app.py`` with its widgets (text inputs, radios,
checkboxes, form submit buttons) against a fresh SQLite file in a tmp dir,
and checks what the learner sees and what is stored.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
import yaml
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from cpd import attempts
from cpd.attempts import OutOfOrder
from cpd.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"

LEARNER = {"name": "Zoë Ångström", "email": "zoe@example.org", "profession": "Physician", "registration": "GMC 1234567"}

# What to set on each item's widgets, by the widget key's suffix (the key is "<attempt>-<phase>-<item>-<suffix>").
RIGHT = {
    "q-source": {"option": "a", "certainty": 3},
    "q-checks": {"a": True, "b": True},
    "q-grid": {"r1": "report", "r2": "watch"},
    "q-pair": {"action": "a1", "reason": "r1"},
}
WRONG = {
    "q-source": {"option": "b", "certainty": 3},
    "q-checks": {"c": True},
    "q-grid": {"r1": "watch", "r2": "report"},
    "q-pair": {"action": "a2", "reason": "r1"},
}
CASE_ITEMS = ["q-source", "q-checks", "q-grid", "q-pair"]


# --- the fixture content's answer key, read from the YAML ------------------------

def _rationales() -> dict[str, list[str]]:
    case = yaml.safe_load((FIXTURE_CONTENT / "questions" / "mini-case.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for stage in case["stages"]:
        for item in stage["items"]:
            parts = [*item.get("options", []), *item.get("rows", []), *item.get("actions", []), *item.get("reasons", [])]
            out[item["id"]] = [p["rationale"] for p in parts]
    return out


RATIONALES = _rationales()


# --- running the app ---------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Fixture-module env vars and an empty data dir; caches cleared so the app reads them."""
    monkeypatch.setenv("CPD_MODULES_DIR", str(FIXTURE_CONTENT / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(FIXTURE_CONTENT / "questions"))
    monkeypatch.setenv("CPD_MODULE_ID", "mini")
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield tmp_path
    st.cache_resource.clear()
    get_settings.cache_clear()


def open_app(token: str | None = None) -> AppTest:
    """A new browser session on the app, optionally with a resume link's token."""
    at = AppTest.from_file(str(ROOT / "cpd" / "ui" / "main.py"), default_timeout=30)
    if token is not None:
        at.query_params["t"] = token
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0].click().run()


def start(at: AppTest, *, name=LEARNER["name"], email=LEARNER["email"], profession=LEARNER["profession"],
          registration=LEARNER["registration"], pretest: bool = True) -> AppTest:
    """Fill the start form and submit it."""
    inputs = {t.label.split(",")[0].split(" (")[0]: t for t in at.text_input}
    inputs["Full name"].set_value(name)
    inputs["E-mail"].set_value(email)
    inputs["Professional registration number"].set_value(registration)
    if profession is not None:
        at.selectbox[0].select(profession)
    at.checkbox[0].set_value(pretest)
    return click(at, "Start the module")


def token_of(at: AppTest) -> str:
    return at.query_params["t"][0] if isinstance(at.query_params["t"], list) else at.query_params["t"]


def item_widgets(at: AppTest) -> list:
    return [w for w in (*at.radio, *at.checkbox) if w.form_id.startswith("form-")]


def current_item(at: AppTest) -> tuple[str, str] | None:
    """(phase, item id) of the item form on the page, from its form id 'form-<attempt8>-<phase>-<item>'."""
    forms = {w.form_id for w in item_widgets(at)}
    assert len(forms) <= 1, forms
    if not forms:
        return None
    _, _, phase, item_id = forms.pop().split("-", 3)
    return phase, item_id


def answer_item(at: AppTest, item_id: str, values: dict[str, Any]) -> AppTest:
    """Set the item's widgets (by key suffix) and press 'Submit answer'."""
    widgets = item_widgets(at)
    for suffix, value in values.items():
        hits = [w for w in widgets if w.key.endswith(f"-{item_id}-{suffix}")]
        assert len(hits) == 1, f"widget {item_id}/{suffix} not found in {[w.key for w in widgets]}"
        hits[0].set_value(value)
    return click(at, "Submit answer")


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def cases_to_results(at: AppTest, answers: dict[str, dict[str, Any]], *, check_feedback: bool = False) -> AppTest:
    """Answer every case item; read the feedback after each; continue to the results."""
    for item_id in CASE_ITEMS:
        assert current_item(at) == ("cases", item_id)
        at = answer_item(at, item_id, answers[item_id])
        assert current_item(at) is None, "the item's form must be gone after submission"
        if check_feedback:
            shown = markdown_text(at)
            assert any(r in shown for r in RATIONALES[item_id]), f"no rationale shown after {item_id}"
            assert "**Evidence**" in shown and "Smith A, Jones B (2024)" in shown and "doi:10.1000/test.1" in shown
        at = click(at, "Continue" if item_id != CASE_ITEMS[-1] else "See your results")
    return at


def evaluate(at: AppTest, *, change="Ask for the certificate of analysis.", reflection="I learnt to ask.") -> AppTest:
    radios = [r for r in at.radio if not r.form_id.startswith("form-")]
    for r in radios:
        r.set_value("No" if r.label.startswith("Did you notice commercial bias") else 5)
    areas = {a.label.split(" ")[0]: a for a in at.text_area}
    areas["What"].set_value(change)
    areas["Reflective"].set_value(reflection)
    return click(at, "Submit evaluation")


def rows(data_dir: Path, table: str) -> int:
    db = data_dir / "cpd.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        if not conn.execute("select 1 from sqlite_master where type='table' and name=?", (table,)).fetchone():
            return 0
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


# --- walking what the browser and the session can see -----------------------------

def _strings(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, seen)
            yield from _strings(v, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _strings(v, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name), seen)
    elif hasattr(value, "__dict__") and not callable(value):
        yield from _strings(vars(value), seen)


def session_strings(at: AppTest) -> list[str]:
    """Every string in the whole session state: user keys, widget values and Streamlit's own bookkeeping."""
    return list(_strings(at.session_state.to_dict())) + list(_strings(vars(at.session_state._state)))


def page_strings(at: AppTest) -> list[str]:
    """Every rendered element's protobuf (values, labels, options, help texts), as text."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def _stems() -> dict[str, str]:
    case = yaml.safe_load((FIXTURE_CONTENT / "questions" / "mini-case.yaml").read_text(encoding="utf-8"))
    return {item["id"]: item["stem"] for stage in case["stages"] for item in stage["items"]}


STEMS = _stems()


def assert_no_answer_key(at: AppTest, item_id: str) -> None:
    session, page = session_strings(at), page_strings(at)
    assert at.session_state["token"] in session and any(STEMS[item_id] in p for p in page), "the walks must see it all"
    for where, texts in (("session state", session), ("page", page)):
        blob = "\n".join(texts)
        for rationale in RATIONALES[item_id]:
            assert rationale not in blob, f"{item_id}: rationale {rationale!r} in the {where} before submission"
        assert not re.search(r"\b(correct|rationale)\b", blob, re.IGNORECASE), \
            f"{item_id}: 'correct'/'rationale' in the {where} before submission"


# --- the tests ----------------------------------------------------------------------

def test_a_whole_pass_shows_feedback_results_and_the_reflective_note(data_dir):
    at = start(open_app())
    assert not errors(at)
    assert current_item(at) == ("pretest", "q-source")
    at = answer_item(at, "q-source", WRONG["q-source"])  # pre-test: no feedback, straight on
    assert not any(r in markdown_text(at) for r in RATIONALES["q-source"])

    at = cases_to_results(at, RIGHT, check_feedback=True)

    assert any(s.value.startswith("Passed: 100 %") for s in at.success)
    shown = markdown_text(at)
    assert "| Objective | Points | Score |" in shown
    assert "| Ask where a product comes from. | 3\u00a0/\u00a03 | 100\u00a0% |" in shown  # no break inside a cell
    assert "| Report an adverse event. | 3\u00a0/\u00a03 | 100\u00a0% |" in shown  # no break inside a cell
    assert not any(e.label.startswith("What to read next") for e in at.expander)
    assert "Start a new attempt" not in [b.label for b in at.button]

    at = evaluate(at, reflection="Ask for the CoA before any injection.")
    assert not errors(at)
    assert any("evaluation and reflective note are saved" in s.value for s in at.success)
    assert "Ask for the CoA before any injection." in [t.value for t in at.text]
    assert rows(data_dir, "evaluations") == 1


def test_a_whole_fail_points_to_reading_and_a_new_attempt_gets_a_new_token(data_dir):
    at = start(open_app(), pretest=False)
    first_token = token_of(at)
    at = cases_to_results(at, WRONG)

    assert any(e.startswith("Not passed yet: 0 %") for e in errors(at))
    assert any(e.label.startswith("What to read next") for e in at.expander)  # below the outcome, collapsed
    assert "A verified paper" in markdown_text(at) and "A news report" in markdown_text(at)

    at = click(at, "Start a new attempt")
    assert token_of(at) != first_token
    assert at.session_state["attempt"].attempt_number == 2
    assert current_item(at) == ("cases", "q-source")
    assert rows(data_dir, "attempts") == 2 and rows(data_dir, "learners") == 1


def test_resume_in_a_new_session_lands_on_the_same_next_question(data_dir):
    at = start(open_app(), pretest=False)
    token = token_of(at)
    at = answer_item(at, "q-source", RIGHT["q-source"])
    at = click(at, "Continue")
    assert current_item(at) == ("cases", "q-checks")
    assert any(token in c.value for c in at.code), "the resume link is shown on the page"

    again = open_app(token)  # closed tab, new session
    assert not errors(again)
    assert current_item(again) == ("cases", "q-checks")
    assert "Cases done: 0 of 1 · questions answered: 1 of 4" in [p.proto.text for p in again.get("progress")]


def test_a_forged_token_shows_a_clear_message_and_the_start_form(data_dir):
    at = open_app("A" * 43)
    assert errors(at) == ["This resume link is not valid. Check that you copied all of it."]
    assert "Start the module" in [b.label for b in at.button]
    assert "attempt" not in at.session_state
    assert rows(data_dir, "attempts") == 0


@pytest.mark.parametrize("pretest", [True, False], ids=["pretest", "cases-only"])
def test_no_answer_key_in_session_state_or_page_before_submission(data_dir, pretest):
    at = start(open_app(), pretest=pretest)
    if pretest:
        assert current_item(at) == ("pretest", "q-source")
        assert_no_answer_key(at, "q-source")
        at = answer_item(at, "q-source", WRONG["q-source"])
    for item_id in CASE_ITEMS:
        assert current_item(at) == ("cases", item_id)
        assert_no_answer_key(at, item_id)
        at = answer_item(at, item_id, RIGHT[item_id])
        assert any(r in markdown_text(at) for r in RATIONALES[item_id])  # the walk does see the feedback
        at = click(at, "Continue" if item_id != CASE_ITEMS[-1] else "See your results")


def test_a_resumed_session_holds_no_answer_key_either(data_dir):
    at = start(open_app(), pretest=False)
    at = click(answer_item(at, "q-source", RIGHT["q-source"]), "Continue")
    again = open_app(token_of(at))
    assert current_item(again) == ("cases", "q-checks")
    assert_no_answer_key(again, "q-checks")


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Name: please fill this in"),
        ("name", "x" * 10_000, "Name: at most 120 characters, this has 10000"),
        ("name", SCRIPT, "Name: HTML or script is not accepted here; please write plain text"),
        ("registration", SCRIPT, "Registration number: HTML or script is not accepted here; please write plain text"),
        ("email", "not an address", "E-mail: this does not look like an e-mail address (name@example.org)"),
        ("profession", None, "Profession: please fill this in"),
    ],
    ids=["empty-name", "10000-char-name", "script-name", "script-registration", "bad-email", "no-profession"],
)
def test_bad_start_input_shows_an_error_and_stores_nothing(data_dir, field, value, message):
    # set_value, not input(): a crafted client is not bound by the browser's max_chars.
    at = start(open_app(), **{field: value})
    assert message in errors(at)
    assert "Start the module" in [b.label for b in at.button]
    assert "t" not in at.query_params and "attempt" not in at.session_state
    assert rows(data_dir, "learners") == 0 and rows(data_dir, "attempts") == 0


def test_a_10000_character_name_is_refused_by_the_engine_and_stores_nothing(data_dir):
    from cpd.ui import resources

    with pytest.raises(attempts.InvalidInput) as exc:
        attempts.start_attempt(resources.store(), resources.current_module(),
                               {"name": "x" * 10_000, "email": "a@example.org", "profession": "Physician"})
    assert exc.value.messages == ["Name: at most 120 characters, this has 10000"]
    assert rows(data_dir, "learners") == 0 and rows(data_dir, "attempts") == 0


def test_script_as_profession_is_refused_by_the_engine_and_stores_nothing(data_dir):
    # The page offers a fixed list; a crafted client can still send any string for the selectbox's value.
    from cpd.ui import resources

    with pytest.raises(attempts.InvalidInput) as exc:
        attempts.start_attempt(resources.store(), resources.current_module(),
                               {"name": "A", "email": "a@example.org", "profession": SCRIPT})
    assert exc.value.messages == ["Profession: HTML or script is not accepted here; please write plain text"]
    assert rows(data_dir, "learners") == 0 and rows(data_dir, "attempts") == 0


@pytest.mark.parametrize(
    ("change", "reflection", "message"),
    [
        ("Ask for the CoA.", f"I learnt {SCRIPT}", "Reflective note: HTML or script is not accepted here; please write plain text"),
        (SCRIPT, "I learnt to ask.", "Intended change in practice: HTML or script is not accepted here; please write plain text"),
        ("Ask for the CoA.", "", "Reflective note: please fill this in"),
    ],
    ids=["script-reflection", "script-change", "empty-reflection"],
)
def test_bad_evaluation_input_shows_an_error_and_stores_nothing(data_dir, change, reflection, message):
    at = cases_to_results(start(open_app(), pretest=False), RIGHT)
    at = evaluate(at, change=change, reflection=reflection)
    assert message in errors(at)
    assert rows(data_dir, "evaluations") == 0
    assert at.session_state["attempt"].phase == "evaluation"
    assert "Submit evaluation" in [b.label for b in at.button]


def test_markdown_characters_in_a_name_are_allowed_and_shown_as_plain_text(data_dir):
    name = "Zoë *bold* [x](http://evil)"
    at = cases_to_results(start(open_app(), name=name, pretest=False), RIGHT)
    assert not errors(at)
    assert f"Learner: {name}" in [t.value for t in at.text]
    rendered = markdown_text(at) + "".join(page_strings(at))
    assert "](http://evil)" not in rendered.replace(f"Learner: {name}", ""), "the name must never reach Markdown"
    assert not any("evil" in m.value for m in at.markdown)


def test_an_evaluation_without_ratings_is_refused(data_dir):
    at = cases_to_results(start(open_app(), pretest=False), RIGHT)
    areas = {a.label.split(" ")[0]: a for a in at.text_area}
    areas["What"].set_value("Ask.")
    areas["Reflective"].set_value("Learnt.")
    at = click(at, "Submit evaluation")
    assert {"Relevance: choose a rating from 1 to 5", "Balance: choose a rating from 1 to 5"} <= set(errors(at))
    assert rows(data_dir, "evaluations") == 0


@pytest.mark.parametrize("name", ["Ζωή Παπαδοπούλου", "Иван Петров", "李小龍", "زينب الحسن", "O'Brien-Smith, Jr."])
def test_names_in_any_script_are_accepted_and_shown_as_typed(data_dir, name):
    at = cases_to_results(start(open_app(), name=name, pretest=False), RIGHT)
    assert not errors(at)
    assert f"Learner: {name}" in [t.value for t in at.text]


@pytest.mark.parametrize(
    ("values", "message"),
    [({}, "Choose one option."), ({"option": "a"}, "Say how sure you are (1, 2 or 3).")],
    ids=["no-option", "no-certainty"],
)
def test_an_incomplete_answer_shows_an_error_and_stores_nothing(data_dir, values, message):
    at = answer_item(start(open_app(), pretest=False), "q-source", values)
    assert errors(at) == [message]
    assert current_item(at) == ("cases", "q-source")  # the same question, still open
    assert rows(data_dir, "responses") == 0


def test_an_expired_resume_link_says_so_and_shows_the_start_form(data_dir):
    at = start(open_app(), pretest=False)
    token = token_of(at)
    with sqlite3.connect(data_dir / "cpd.sqlite3") as conn:  # the link's 90 days are over
        conn.execute("update tokens set expires_at = '2000-01-01 00:00:00.000000' where purpose = 'resume'")
    again = open_app(token)
    assert errors(again) == [attempts.LINK_EXPIRED]
    assert "expired" in attempts.LINK_EXPIRED and "Find my attempts and certificates" in attempts.LINK_EXPIRED
    assert "Start the module" in [b.label for b in again.button]


def test_after_a_forged_link_a_new_start_gets_a_fresh_token(data_dir):
    at = start(open_app("A" * 43), pretest=False)
    assert token_of(at) != "A" * 43
    assert current_item(at) == ("cases", "q-source")
    assert rows(data_dir, "attempts") == 1


def test_a_submitted_answer_cannot_be_changed(data_dir):
    at = start(open_app(), pretest=False)
    state = at.session_state["attempt"]
    at = answer_item(at, "q-source", WRONG["q-source"])
    assert current_item(at) is None  # feedback instead of the form
    assert not [w for w in item_widgets(at) if "-q-source-" in w.key]
    assert any(e.value.startswith("Not right") for e in at.error)

    from cpd.ui import resources

    with pytest.raises(OutOfOrder):
        attempts.submit_answer(resources.store(), resources.current_module(), state.attempt_id, "q-source",
                               {"option": "a"}, 3)
    stored = attempts.load_state(resources.store(), state.attempt_id).answered("cases")["q-source"]
    assert stored.response == {"option": "b"} and stored.points == 0

    at = click(at, "Continue")
    assert current_item(at) == ("cases", "q-checks")


# --- a module that defers feedback to the end ----------------------------------------------

@pytest.fixture
def deferred_module(data_dir, tmp_path_factory, monkeypatch) -> Path:
    """The fixture module with ``feedback: deferred``: no feedback until the results."""
    content = tmp_path_factory.mktemp("deferred")
    shutil.copytree(FIXTURE_CONTENT, content, dirs_exist_ok=True)
    module = content / "modules" / "mini.yaml"
    module.write_text(module.read_text().replace("feedback: immediate", "feedback: deferred"))
    monkeypatch.setenv("CPD_MODULES_DIR", str(content / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(content / "questions"))
    return content


def test_deferred_feedback_goes_straight_on_and_shows_everything_with_the_results(deferred_module):
    at = start(open_app(), pretest=False)
    for item_id in CASE_ITEMS[:-1]:
        assert current_item(at) == ("cases", item_id)
        at = answer_item(at, item_id, RIGHT[item_id])
        assert not at.success and not [b for b in at.button if b.label == "Continue"]  # no feedback yet
    at = answer_item(at, CASE_ITEMS[-1], RIGHT[CASE_ITEMS[-1]])
    assert "Your results" in [h.value for h in at.header]
    assert [e.label for e in at.expander if e.label == "Feedback on every question"]
    assert "The source determines the cargo." in markdown_text(at)


# --- what the pages say about grading, and incomplete matrices ------------------------------------

def test_the_start_page_says_the_pass_is_on_accuracy_with_certainty_reported(data_dir):
    shown = " ".join(c.value for c in open_app().caption)
    assert "The pass is decided on accuracy alone; your certainty-based score is reported beside it" in shown
    assert "confident wrong answers cost marks" not in shown  # not true of a pass on accuracy


def test_the_results_say_which_score_the_pass_was_judged_on(data_dir):
    at = cases_to_results(start(open_app(), pretest=False), {**RIGHT, "q-pair": WRONG["q-pair"]})
    [verdict] = [s.value for s in at.success if s.value.startswith("Passed")]
    # 5 of 6 points: 83.3 %; certainty-adjusted (3/3 + 2 + 2 + 0) / 6 = 83.3 %
    assert verdict == ("Passed: 83.3 % against a pass mark of 70 %. The pass is decided on accuracy; "
                       "the certainty-adjusted score (83.3 %) is reported, not counted.")


def test_a_matrix_with_a_row_left_open_shows_an_error_and_stores_nothing(data_dir):
    at = start(open_app(), pretest=False)
    for item_id in ("q-source", "q-checks"):
        at = click(answer_item(at, item_id, RIGHT[item_id]), "Continue")
    at = answer_item(at, "q-grid", {"r1": "report"})
    assert errors(at) == ["Choose an answer for every row (1 of 2 still open)."]
    assert current_item(at) == ("cases", "q-grid")
    assert rows(data_dir, "responses") == 2


def test_retrying_from_two_tabs_makes_one_new_attempt_and_tells_the_second_tab(data_dir):
    first = cases_to_results(start(open_app(), pretest=False), WRONG)
    second = open_app(token_of(first))  # the same failed attempt open in another tab
    first = click(first, "Start a new attempt")
    assert current_item(first) == ("cases", "q-source")
    second = click(second, "Start a new attempt")
    assert [w.value for w in second.warning] == [
        "This attempt has already been retried: continue with the new attempt "
        "(its resume link was shown where you started it, and e-mailed to you)."]
    assert rows(data_dir, "attempts") == 2


def test_a_finished_attempts_link_shows_results_read_only_with_nothing_to_submit(data_dir):
    from cpd.ui.learn import READ_ONLY

    at = start(open_app(), pretest=False)
    token = token_of(at)
    at = evaluate(cases_to_results(at, WRONG))
    assert any("evaluation and reflective note are saved" in s.value for s in at.success)

    again = open_app(token)  # the link, later, in a new browser session
    assert READ_ONLY in [i.value for i in again.info]
    assert not [e for e in errors(again) if "link" in e]
    assert any(e.startswith("Not passed yet: 0 %") for e in errors(again))
    assert current_item(again) is None and not item_widgets(again)  # no answer form
    labels = [b.label for b in again.button]
    assert not {"Submit answer", "Submit evaluation", "Continue", "See your results"} & set(labels), labels
    assert not again.text_area and not [r for r in again.radio]  # no evaluation form either
    # Sending an answer or the evaluation is refused by the engine too, whatever a page might post.
    attempt_id = again.session_state["attempt"].attempt_id
    loaded = attempts.module_for(open_store_of(data_dir), again.session_state["attempt"].content_hash)
    with pytest.raises(OutOfOrder):
        attempts.submit_answer(open_store_of(data_dir), loaded, attempt_id, "q-source", {"option": "a"}, 3)
    with pytest.raises(OutOfOrder):
        attempts.submit_evaluation(open_store_of(data_dir), attempt_id, relevance=5, balance=5, intended_change="x",
                                   reflection="y")
    assert rows(data_dir, "responses") == len(CASE_ITEMS) and rows(data_dir, "evaluations") == 1


def open_store_of(data_dir: Path):
    from cpd.storage.db import open_store

    return open_store(f"sqlite:///{data_dir / 'cpd.sqlite3'}")
