"""The shipped module through the real pages (AppTest): every item renders, takes its keyed answer,
shows feedback with its evidence, and the whole module ends in a pass and a certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cpd.content.loader import load_module
from cpd.items.registry import type_of
from cpd.settings import get_settings
from cpd.ui.item_forms import form_module

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(tmp_path, monkeypatch):
    for var in ("CPD_MODULES_DIR", "CPD_QUESTIONS_DIR", "CPD_MODULE_ID", "CPD_DATABASE_URL", "CPD_SIGNING_KEY_PEM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield
    st.cache_resource.clear()
    get_settings.cache_clear()


def widget_values(item) -> dict[str, object]:
    """The keyed answer as widget values by key suffix, through the item's own form module."""
    values = form_module(item.type).widgets(type_of(item).sample_responses(item).correct)
    return {**values, "certainty": 3} if item.certainty else values


def test_the_whole_exosome_module_through_the_pages_passes_and_issues_a_certificate(app):
    loaded = load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety")
    at = AppTest.from_file(str(ROOT / "cpd" / "ui" / "main.py"), default_timeout=60).run()
    inputs = {t.label.split(",")[0]: t for t in at.text_input}
    inputs["Full name"].set_value("محمد عبد الله")
    inputs["E-mail"].set_value("m@example.org")
    at.selectbox[0].select("Dermatologist")
    at.checkbox[0].set_value(False)
    at = next(b for b in at.button if b.label == "Start the module").click().run()

    for item in loaded.items():
        assert item.stem in [m.value.strip("*") for m in at.markdown], f"{item.id} not shown"
        widgets = [w for w in (*at.radio, *at.checkbox) if w.form_id.startswith("form-")]
        for suffix, value in widget_values(item).items():
            [w] = [w for w in widgets if w.key.endswith(f"-{item.id}-{suffix}")]
            w.set_value(value)
        at = next(b for b in at.button if b.label == "Submit answer").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert [s.value for s in at.success][-1].startswith("Right:"), item.id
        shown = "\n".join(m.value for m in at.markdown)
        assert "**Evidence**" in shown and "evidence: **verified in the source**" in shown, item.id
        at = next(b for b in at.button if b.label in ("Continue", "See your results")).click().run()

    assert any(s.value.startswith("Passed: 100 %") for s in at.success)
    for r in at.radio:
        r.set_value("No" if r.label.startswith("Did you notice commercial bias") else 5)
    for area in at.text_area:
        area.set_value("Ask for the lot's certificate of analysis before any use on compromised skin.")
    at = next(b for b in at.button if b.label == "Submit evaluation").click().run()
    assert not at.exception
    assert "Your certificate" in [h.value for h in at.subheader]


def test_the_start_page_shows_the_last_review_date_and_the_jurisdictions_covered(app):
    module = load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety").module
    at = AppTest.from_file(str(ROOT / "cpd" / "ui" / "main.py"), default_timeout=60).run()
    assert at.caption[0].value == (
        f"Content last reviewed {module.last_review_date:%d %B %Y} · Regulation covered as of that date: "
        "United States, European Union, United Kingdom, Japan"
    )
