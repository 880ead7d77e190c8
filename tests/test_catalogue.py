"""Several modules in one deployment: CPD_MODULE_ID is the default, ?module=ID picks another."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cpd.catalogue import Choice, choose, entries
from cpd.content.loader import load_content
from cpd.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "content"


def test_choose_follows_request_then_attempt_then_default():
    available = {"a": 1, "b": 2}
    assert choose(available, requested=None, in_progress=None, default="a") == Choice("a")
    assert choose(available, requested="b", in_progress=None, default="a") == Choice("b")
    assert choose(available, requested=None, in_progress="b", default="a") == Choice("b")  # a resume link
    unknown = choose(available, requested="<x>", in_progress=None, default="a")
    assert unknown.module_id == "a" and "no module called “<x>”" in unknown.problem
    assert choose(available, requested=None, in_progress=None, default="gone") == Choice(None)


@pytest.fixture
def two_modules(tmp_path, monkeypatch) -> Path:
    """The fixture module twice: `mini` and a copy with another id and title."""
    shutil.copytree(FIXTURE, tmp_path / "content")
    src = (tmp_path / "content" / "modules" / "mini.yaml").read_text(encoding="utf-8")
    (tmp_path / "content" / "modules" / "second.yaml").write_text(
        src.replace("id: mini", "id: second", 1).replace("title: Mini module for tests", "title: A second module", 1),
        encoding="utf-8")
    monkeypatch.setenv("CPD_MODULES_DIR", str(tmp_path / "content" / "modules"))
    monkeypatch.setenv("CPD_QUESTIONS_DIR", str(tmp_path / "content" / "questions"))
    monkeypatch.setenv("CPD_MODULE_ID", "mini")
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CPD_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield tmp_path / "content"
    st.cache_resource.clear()
    get_settings.cache_clear()


def test_the_catalogue_lists_every_module(two_modules):
    content = load_content([two_modules / "modules", two_modules / "questions"])
    assert content.ok, content.errors
    assert [(e.id, e.title) for e in entries(content)] == [("second", "A second module"), ("mini", "Mini module for tests")]


def _page(module: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "cpd" / "ui" / "main.py"), default_timeout=30)
    if module is not None:
        at.query_params["module"] = module
    return at.run()


def test_the_default_module_and_another_by_query(two_modules):
    assert _page(None).title[0].value == "Mini module for tests"
    assert _page("second").title[0].value == "A second module"
    unknown = _page("nope")
    assert unknown.title[0].value == "Mini module for tests"
    assert "There is no module called “nope” here" in unknown.warning[0].value


def test_an_attempt_started_on_another_module_stays_on_it(two_modules):
    import sqlite3

    from test_pages import start, token_of

    at = start(_page("second"), pretest=False)
    assert at.title[0].value == "A second module"
    db = two_modules.parent / "data" / "cpd.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("select module_id from attempts").fetchall() == [("second",)]
    resumed = AppTest.from_file(str(ROOT / "cpd" / "ui" / "main.py"), default_timeout=30)
    resumed.query_params["t"] = token_of(at)  # a resume link carries no module=
    resumed.run()
    assert resumed.title[0].value == "A second module"
