"""Authoring: preview any case exactly as a learner sees it, with every key and rationale shown, and
the validator's findings beside their file and line; exports (GIFT, QTI) and, for administrators, the
reports for accreditors.

For administrators and authors. The page only reads: content stays in YAML
under version control, so nothing here writes a file or changes a score.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import streamlit as st

from cpd import reports
from cpd.accounts.directory import Principal
from cpd.content.loader import ContentSet, LoadedModule, load_content
from cpd.content.models import Case, Module
from cpd.interop import gift, qti
from cpd.interop.bank import bank_of
from cpd.items.base import InvalidResponse
from cpd.presentation import feedback, public_item
from cpd.scoring import score_item
from cpd.ui import resources, staff
from cpd.ui.feedback_view import show_feedback
from cpd.ui.item_forms.form import item_form


def may_author(who: Principal | None) -> bool:
    """Who may use this page: administrators and authors (the one place this is decided)."""
    return who is not None and (who.is_admin or "author" in who.roles)


def page() -> None:
    st.title("Authoring")
    who = staff.current()
    if not may_author(who):
        st.info("This page is for authors and administrators. Sign in with such an account to use it.")
        staff.same_tab_link(staff.sign_in_url("/authoring"), "Sign in")
        return
    assert who is not None
    settings = resources.settings()
    content = load_content([settings.modules_dir, settings.questions_dir])  # read afresh on every run: live
    _validation(content)
    if not content.modules:
        st.warning("No module loaded: fix the errors above first.")
        return
    module_id = st.selectbox("Module", sorted(content.modules), key="authoring-module")
    module = content.modules[module_id]
    loaded = _partial(content, module)
    _exports(content, module_id)
    _preview(content, module, loaded)
    if who.is_admin:
        _reports(module)


def _validation(content: ContentSet) -> None:
    st.subheader("Validation")
    if content.ok:
        s = content.summary()
        st.success(f"All content validates: {s['modules']} module(s), {s['cases']} case(s), {s['items']} item(s), "
                   f"{s['references']} reference(s).")
        return
    st.error(f"{len(content.errors)} problem(s) in the content. Fix them in the YAML files; this page re-checks on every run.")
    by_file: dict[str, list[str]] = {}
    for err in content.errors:
        where = f"line {err.line}" if err.line else "file"
        by_file.setdefault(err.file, []).append(f"{where}: {err.where + ': ' if err.where else ''}{err.message}")
    for file, lines in by_file.items():
        with st.expander(f"{file} ({len(lines)})", expanded=True):
            st.text("\n".join(lines))  # messages quote content: plain text, never Markdown


def _partial(content: ContentSet, module: Module) -> LoadedModule:
    """The module with whichever of its cases loaded: a preview still works while another case has errors."""
    cases = tuple(content.cases[c] for c in module.cases if c in content.cases)
    return LoadedModule(module, cases, "preview")


def _exports(content: ContentSet, module_id: str) -> None:
    if not content.ok:
        return
    st.subheader("Question bank exports")
    from cpd.content.loader import resolve_module

    bank = bank_of(resolve_module(content, module_id))
    exported = gift.dumps(bank)
    c1, c2 = st.columns(2)
    c1.download_button("GIFT (Moodle)", exported.text.encode("utf-8"), f"{module_id}.gift", "text/plain", key="dl-gift")
    c2.download_button("QTI 3.0 package", qti.package(bank), f"{module_id}-qti3.zip", "application/zip", key="dl-qti")
    if exported.warnings:
        with st.expander(f"GIFT bends {len(exported.warnings)} item(s) into a nearer form"):
            st.text("\n".join(exported.warnings))


def _preview(content: ContentSet, module: Module, loaded: LoadedModule) -> None:
    st.subheader("Preview a case")
    orphans = sorted(set(content.cases) - set(module.cases))
    choices = [c for c in module.cases if c in content.cases] + orphans
    if not choices:
        st.info("None of this module's cases loaded: see the validation above.")
        return
    case_id = st.selectbox("Case", choices, key="authoring-case",
                           format_func=lambda c: f"{content.cases[c].title} ({c})" + ("  [not in this module]" if c in orphans else ""))
    case = content.cases[case_id]
    st.caption("As a learner sees it; every answer key and rationale is shown under each question. "
               "Submitting here scores your answer and shows its feedback; nothing is saved.")
    _case(loaded, case)


def _case(loaded: LoadedModule, case: Case) -> None:
    st.header(case.title)
    st.markdown(case.summary)
    for stage in case.stages:
        st.subheader(stage.title)
        st.markdown(stage.narrative)
        for item in stage.items:
            _item(loaded, item)
            st.divider()


def _answer(item, response, certainty, module_cbm: bool) -> SimpleNamespace:  # noqa: ANN001 - any item type
    s = score_item(item, response, certainty, module_cbm=module_cbm)
    return SimpleNamespace(response=response, correct=s.correct, points=s.points, max_points=s.max_points,
                           cbm_marks=s.cbm_marks, certainty=certainty)


def _item(loaded: LoadedModule, item) -> None:  # noqa: ANN001 - any item type
    from cpd.items.registry import type_of

    cbm = loaded.module.delivery.certainty_based_marking
    got = item_form(public_item(loaded, item, 0), key=f"preview-{item.id}")
    if got is not None:
        response, certainty = got
        try:
            type_of(item).check(item, response)
            show_feedback(feedback(loaded, item, _answer(item, response, certainty if item.certainty and cbm else None, cbm)))
        except (InvalidResponse, ValueError) as exc:
            st.error(f"A learner would be told: {exc}")
        except KeyError as exc:
            st.error(f"Feedback cites an unknown reference {exc}: see the validation above.")
    with st.expander(f"Answer key and feedback: {item.id} (objective {item.objective})"):
        try:
            right = type_of(item).sample_responses(item).correct
            level = 3 if item.certainty and cbm else None
            show_feedback(feedback(loaded, item, _answer(item, right, level, cbm)))
        except KeyError as exc:
            st.error(f"Feedback cites an unknown reference {exc}: see the validation above.")
        for name, parts in item.id_lists():
            lines = []
            for part in parts:
                key = getattr(part, "correct", None)
                mark = "" if key is None else ("✔ right" if key else "✘ wrong")
                answer = getattr(part, "answer", None)
                if answer is not None:
                    mark = f"answer: {answer}"
                rationale = getattr(part, "rationale", None)
                cited = ", ".join(getattr(part, "evidence", []) or [])
                lines.append(f"[{part.id}] {part.text} {('— ' + mark) if mark else ''}"
                             + (f"\n    {rationale}" if rationale else "") + (f"\n    evidence: {cited}" if cited else ""))
            st.caption(name)
            st.text("\n".join(lines))


def _reports(module: Module) -> None:
    st.subheader("Reports for accreditors")
    today = datetime.now(UTC).date()
    c1, c2 = st.columns(2)
    start = c1.date_input("From (UTC)", today - timedelta(days=30), key="report-from")
    end = c2.date_input("To (UTC, inclusive)", today, key="report-to")
    if end < start:
        st.error("The range ends before it starts.")
        return
    store = resources.store()
    done = reports.completions(store, module.id, start, end)
    summary = reports.evaluations(store, module.id, start, end)
    st.caption(f"{len(done)} completion(s) and {summary.count} evaluation(s) of {module.id} from {start} to {end}. "
               "The evaluation summary never includes a learner's private reflective note.")
    d1, d2 = st.columns(2)
    d1.download_button("Completions (CSV)", reports.completions_csv(done), f"{module.id}-completions-{start}-{end}.csv",
                       "text/csv", key="dl-completions")
    d2.download_button("Evaluation summary (CSV)", reports.evaluations_csv(summary),
                       f"{module.id}-evaluations-{start}-{end}.csv", "text/csv", key="dl-evaluations")
    _item_analysis(module, start, end)


def _item_analysis(module: Module, start: date, end: date) -> None:
    """Which questions worked, over the self-paced attempts started in the range (current content)."""
    from cpd import item_analysis_data
    from cpd.ui.workshop_results import analysis_table

    loaded = resources.module(module.id)
    if loaded is None:
        return
    st.subheader("Item analysis (self-paced attempts)")
    stats = item_analysis_data.for_module(resources.store(), loaded, date_from=start, date_to=end)
    analysis_table(stats)
    st.download_button("Item analysis (CSV)", item_analysis_data.csv(stats), f"{module.id}-item-analysis-{start}-{end}.csv",
                       "text/csv", key="dl-item-analysis")
