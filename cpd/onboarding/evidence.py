"""The inspector's evidence pack: one PDF (typst) of the training matrix, the gaps and an audit extract.

Built for a date the manager picks: statuses are as they stood at the end of
that day (UTC), counting only what had happened by then. Every text from the
database reaches typst as JSON data placed as text, never as markup, so a name
like ``#sys.exit`` or ``*bold*`` prints as typed. The certificate ids printed
are those the public verify page checks.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import lru_cache

import typst
from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd import audit
from cpd.certificates.fonts import bundled_font_dirs, system_cjk_dirs
from cpd.certificates.pdf import format_date
from cpd.onboarding import overview
from cpd.storage.tables import AuditEntry, Organisation

AUDIT_EXTRACT = 200

TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#set document(title: d.title, author: d.org)
#set page(paper: "a4", flipped: true, margin: 1.4cm,
  footer: context [#set text(8pt); #d.org · evidence pack for #d.as_of #h(1fr) page #counter(page).display() of #counter(page).final().first()])
#set text(font: d.fonts, size: 9pt, lang: "en")
#set smartquote(enabled: false)
#show heading: set block(above: 1.2em, below: 0.6em)
#let cells(rows) = rows.map(r => r.map(c => [#c])).flatten()
#let tbl(cols, header, rows) = table(columns: cols, inset: 4pt, stroke: 0.4pt + luma(170),
  fill: (_, y) => if y == 0 { luma(230) },
  table.header(..header.map(h => [*#h*])), ..cells(rows))

= #d.title
#d.org · position at the end of #d.as_of (UTC) · generated #d.generated

#d.summary

== Training matrix
#tbl((auto, auto, auto, auto, auto, auto, auto, auto, auto), d.grid_header, d.grid)

== Gaps and plan dates
#if d.gaps.len() == 0 [No gaps: everyone assigned holds a certificate in force.] else [
#tbl((auto, auto, auto, auto, auto), d.gaps_header, d.gaps)]

== Audit log extract
Hash-chain check of the organisation's audit log: *#d.chain_result*

#tbl((auto, auto, auto, auto, auto), d.audit_header, d.audit)

Certificate ids above can be checked at #d.verify_url (enter the id) by anyone.
"""


@lru_cache(maxsize=1)
def _fonts() -> typst.Fonts:
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                       font_paths=[str(p) for p in [*bundled_font_dirs(), *system_cjk_dirs()]])


FAMILIES = ["Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC"]


def build(session: Session, organisation_id: str, as_of: date, *, public_url: str,
          now: datetime | None = None) -> bytes:
    """The PDF bytes for one organisation on ``as_of``."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise ValueError("No such organisation")
    end = datetime.combine(as_of, time(23, 59, 59, 999999), tzinfo=UTC)
    rows = overview.rows(session, organisation_id, as_of, until=end)
    counts = overview.counts(rows)
    grid = [[r.name, r.role, r.module_id, r.status.value, _d(r.completed),
               "" if r.score is None else f"{r.score:.1f}", r.certificate_id or "", _d(r.valid_until), r.edition]
              for r in rows]
    gaps = [[r.name, r.role, r.module_id, r.status.value, _d(plan_date(r))] for r in rows if r.is_gap]
    report = audit.verify(session, organisation_id)[0]
    chain_result = (f"OK: {report.entries} entries intact, head {report.head_hash[:16]}" if report.ok
                    else f"BROKEN: {report.problem}")
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.chain == audit.chain_for(organisation_id),
                                                            AuditEntry.at <= end)
                                   .order_by(AuditEntry.seq.desc()).limit(AUDIT_EXTRACT)))
    audit_rows = [[str(e.seq), e.at.strftime("%Y-%m-%d %H:%M"), e.action, _ids(e.targets_json, e.details_json),
                   e.hash[:16]] for e in entries]
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "nobody assigned yet"
    data = {
        "title": "Training evidence pack", "org": org.name, "as_of": format_date(as_of),
        "generated": (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"), "fonts": FAMILIES,
        "summary": f"{len({r.staff_id for r in rows})} people, {len(rows)} assignments: {summary}.",
        "grid_header": ["Name", "Role", "Module", "Status", "Completed", "Score %", "Certificate id", "Valid until",
                       "Edition taken"],
        "grid": grid,
        "gaps_header": ["Name", "Role", "Module", "Status", "Plan date"],
        "gaps": gaps,
        "chain_result": chain_result,
        "audit_header": ["#", "When (UTC)", "Action", "Ids", "Hash"],
        "audit": audit_rows,
        "verify_url": f"{public_url.rstrip('/')}/?verify=",
    }
    return typst.compile(TEMPLATE.encode(), font_paths=_fonts(), sys_inputs={"data": json.dumps(data, ensure_ascii=False)})


def plan_date(r: overview.Row) -> date:
    """When the gap is to be closed: the cycle's due date (a renewal is due on the old certificate's last day)."""
    if r.cycle_passed and r.valid_until is not None:
        return r.valid_until
    return r.due


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _ids(targets_json: str, details_json: str) -> str:
    values = {**json.loads(targets_json), **json.loads(details_json)}
    return ", ".join(f"{k} {str(v)[:8]}" for k, v in sorted(values.items()))
