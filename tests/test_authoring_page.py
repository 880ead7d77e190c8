"""The authoring page: for authors and administrators only; any case as a learner sees it with every key and
rationale; the validator's findings beside file and line, live; exports and (administrators) reports; no writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from mini_answers import LEARNER, RIGHT, finish
from streamlit.testing.v1 import AppTest

from cpd.accounts import directory, signin
from cpd.settings import get_settings
from cpd.storage.db import open_store
from cpd.ui import staff

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "content"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    monkeypatch.setenv("CPD_MODULES_DIR", str(content / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(content / "questions"))
    monkeypatch.setenv("CPD_MODULE_ID", "mini")
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    (tmp_path / "data").mkdir()
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield open_store(f"sqlite:///{tmp_path / 'data' / 'cpd.sqlite3'}"), content
    st.cache_resource.clear()
    get_settings.cache_clear()


def sign_in(monkeypatch, store, email, **account) -> None:
    directory.create_account(store, email, password=PASSWORD, **account)
    token = signin.authenticate(store, email, PASSWORD, client="test").session_token
    monkeypatch.setattr(staff, "cookie_token", lambda: token)


def _script():
    from cpd.ui import authoring

    authoring.page()


def open_page() -> AppTest:
    return AppTest.from_function(_script, default_timeout=60).run()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_learners_facilitators_and_strangers_are_kept_out(app_env, monkeypatch):
    store, _ = app_env
    at = open_page()
    assert "for authors and administrators" in at.info[0].value and not at.selectbox
    directory.create_organisation(store, "Clinic A", "a")
    sign_in(monkeypatch, store, "f@a.example", role="facilitator", org_slug="a")
    at = open_page()
    assert "for authors and administrators" in at.info[0].value and not at.selectbox


def test_an_author_sees_any_case_as_a_learner_does_with_every_key_and_no_file_written(app_env, monkeypatch):
    store, content = app_env
    directory.create_organisation(store, "Clinic A", "a")
    sign_in(monkeypatch, store, "author@a.example", role="author", org_slug="a")
    before = _snapshot(content)
    at = open_page()
    assert not at.exception
    assert at.success[0].value.startswith("All content validates")
    assert [s.label for s in at.selectbox] == ["Module", "Case"]
    assert "Reports for accreditors" not in [s.value for s in at.subheader]  # learners' data: administrators only
    texts = "\n".join(t.value for t in at.text)
    from cpd.content.loader import load_module

    mini = load_module([content / "modules", content / "questions"], "mini")
    case = mini.cases[0]
    for item in case.items():
        assert f"**{item.stem}**" in [m.value for m in at.markdown]  # the learner's form
        for _, parts in item.id_lists():
            for part in parts:
                assert part.text in texts and getattr(part, "rationale", "") in texts  # every key and rationale
    # Trying an answer shows the learner's feedback and writes nothing.
    from cpd.items.registry import type_of
    from cpd.ui.item_forms import form_module

    first = case.items()[0]
    widgets = {w.key: w for w in (*at.radio, *at.checkbox)}
    right = type_of(first).sample_responses(first).correct
    for suffix, value in form_module(first.type).widgets(dict(right)).items():
        widgets[f"preview-{first.id}-{suffix}"].set_value(value)
    if f"preview-{first.id}-certainty" in widgets:
        widgets[f"preview-{first.id}-certainty"].set_value(2)
    keys_shown = sum(s.value.startswith("Right:") for s in at.success)  # each answer key, in its expander
    at.button[0].click().run()
    assert not at.exception
    assert sum(s.value.startswith("Right:") for s in at.success) == keys_shown + 1  # the learner's own feedback
    assert _snapshot(content) == before


def test_the_validator_runs_live_each_error_beside_its_file_and_line(app_env, monkeypatch):
    store, content = app_env
    sign_in(monkeypatch, store, "root@example.org", role="admin")
    at = open_page()
    assert at.success[0].value.startswith("All content validates")
    case_file = next((content / "questions").glob("*.yaml"))
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("objective: ", "objectiv: ", 1), encoding="utf-8")
    at.run()  # the author saved a file: the next run shows it
    assert "problem(s) in the content" in at.error[0].value
    shown = "\n".join(t.value for t in at.text)
    line = next(i for i, ln in enumerate(case_file.read_text(encoding="utf-8").splitlines(), 1) if "objectiv: " in ln)
    assert f"line {line}: " in shown and "objectiv: unknown field" in shown
    assert any(str(case_file.name) in e.label for e in at.expander)


def test_an_administrator_downloads_reports_and_exports(app_env, monkeypatch):
    store, content = app_env
    from cpd.content.loader import load_module

    mini = load_module([content / "modules", content / "questions"], "mini")
    finish(store, mini, RIGHT, learner=LEARNER)
    sign_in(monkeypatch, store, "root@example.org", role="admin")
    at = open_page()
    assert not at.exception
    assert "Reports for accreditors" in [s.value for s in at.subheader]
    assert any("1 completion(s) and 1 evaluation(s)" in c.value for c in at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["GIFT (Moodle)", "QTI 3.0 package", "Completions (CSV)", "Evaluation summary (CSV)",
                      "Item analysis (CSV)"]
    assert "Item analysis (self-paced attempts)" in [s.value for s in at.subheader]
