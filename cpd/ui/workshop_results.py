"""The facilitator's "after the workshop" section of the console: results, item analysis, the attendance
register, the evaluation summary and everyone's certificates (issued in bulk, progress shown, one ZIP).

Every figure comes from ``cpd.workshops.results`` and ``certify``, which check that the
signed-in person runs this workshop (or is an administrator). Names go through
``st.dataframe`` / ``st.text`` (never Markdown). Anonymous workshops show results per item only.
"""

from __future__ import annotations

import streamlit as st

from cpd.accounts.directory import Principal
from cpd.content.loader import LoadedModule
from cpd.item_analysis import TestStats, fmt
from cpd.ui import resources
from cpd.workshops import certify, results
from cpd.workshops.room import Room, WorkshopError


def section(r: Room, loaded: LoadedModule, who: Principal) -> None:
    store = resources.store()
    st.subheader("Results")
    res = results.results(store, loaded, r.id, who)
    if r.anonymous:
        st.caption(f"Anonymous workshop: results per question only. {res.joined} took part.")
    elif res.participants:
        st.dataframe([{"Participant": p.shown_name, "Profession": p.profession, "Answered": p.answered,
                       "Score %": p.percent, "Passed": "" if p.passed is None else ("yes" if p.passed else "no")}
                      for p in res.participants], hide_index=True, use_container_width=True)
    analysis_table(res.analysis)
    st.download_button("Item analysis (CSV)", data=lambda: results.item_analysis_csv(store, loaded, r.id, who),
                       file_name=f"item-analysis-{r.held_on}.csv", mime="text/csv", on_click="ignore", key="ws-ia-csv")
    if r.status != "finished":
        st.caption("The register, the evaluation summary and the certificates are ready once the workshop is finished.")
        return
    st.subheader("For the accreditation file")
    provider = resources.certificate_design().provider
    c1, c2, c3 = st.columns(3)
    c1.download_button("Register (PDF)", data=lambda: results.register_pdf(store, loaded, r.id, who, provider=provider),
                       file_name=f"register-{r.held_on}.pdf", mime="application/pdf", on_click="ignore",
                       key="ws-reg-pdf")
    c2.download_button("Register (CSV)", data=lambda: results.register_csv(store, r.id, who),
                       file_name=f"register-{r.held_on}.csv", mime="text/csv", on_click="ignore", key="ws-reg-csv")
    c3.download_button("Evaluations (CSV)", data=lambda: results.evaluation_csv(store, loaded, r.id, who),
                       file_name=f"evaluations-{r.held_on}.csv", mime="text/csv", on_click="ignore", key="ws-ev-csv")
    summary = results.evaluation_summary(store, loaded, r.id, who)
    st.text(f"Evaluations: {summary.count} · relevance mean {fmt_mean(summary.mean(summary.relevance))} · "
            f"balance mean {fmt_mean(summary.mean(summary.balance))} · commercial bias noticed by "
            f"{summary.bias_noticed}")
    st.caption("Reflective notes are private to each participant and appear in no file or page here.")
    certificates(r, who)


def fmt_mean(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def analysis_table(stats: TestStats) -> None:
    st.markdown("**Per question** (facility: share right; discrimination: corrected point-biserial)")
    st.dataframe([{"Question": i.label[:80], "Answered": i.answered, "Facility": fmt(i.facility),
                   "Discrimination": fmt(i.point_biserial), "Upper-lower D": fmt(i.upper_lower),
                   "Flags": "; ".join(i.flags)} for i in stats.items], hide_index=True, use_container_width=True)
    st.text(f"{stats.reliability_name}: {stats.reliability_text} ({stats.participants} participants)")


def certificates(r: Room, who: Principal) -> None:
    st.subheader("Certificates")
    store = resources.store()
    st.caption("Assessed workshop: everyone who passed." if r.assessed else
               "Attendance workshop: everyone who took part (certificate of participation).")
    prog = certify.progress(store, r.id, who)
    if st.button("Issue certificates to everyone entitled" if not prog.requested else "Issue any missing certificates",
                 type="primary" if not prog.requested else "secondary", key="ws-certs"):
        try:
            n = certify.request_all(store, r.id, who)
        except WorkshopError as exc:
            st.error(str(exc))
        else:
            st.success(f"{n} certificate(s) queued. They are issued in the background; e-mailed where an address "
                       "was given.")
    _progress(r.id, who)


@st.fragment(run_every=2)
def _progress(workshop_id: str, who: Principal) -> None:
    store = resources.store()
    prog = certify.progress(store, workshop_id, who)
    if not prog.requested:
        return
    st.progress(min(1.0, prog.issued / prog.entitled) if prog.entitled else 1.0,
                text=f"Certificates issued: {prog.issued} of {prog.entitled}"
                     + (f" · e-mailed: {prog.mailed} of {prog.to_mail}" if prog.to_mail else "")
                     + (f" · failed: {prog.failed} (see the outbox in Administration)" if prog.failed else ""))
    if prog.issued:
        st.download_button(f"All certificates (ZIP, {prog.issued})", data=lambda: certify.zip_all(store, workshop_id, who)[0],
                           file_name="certificates.zip", mime="application/zip", on_click="ignore", key="ws-zip")
