"""The attendance register as a PDF (typst, as the certificates are): a table that flows over as many A4
pages as the room needs, with the header row repeated on each.

Every value is read from ``sys.inputs`` JSON and placed as content, so a name such as
``#set page(fill: red)`` or ``*x*`` prints literally. The fonts are the certificate
fonts (Noto Sans, Arabic, CJK where installed), so any name a certificate can print,
the register can too. The PDF is tagged (PDF/UA-1) for screen readers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

import typst

from cpd.workshops.room import Room

TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#set document(title: d.title, author: d.provider)
#set page(paper: "a4", flipped: true, margin: (x: 1.5cm, y: 1.5cm),
  footer: context align(right, text(size: 8pt)[Page #counter(page).display() of #counter(page).final().first()]))
#set text(font: d.fonts, size: 9.5pt, lang: "en")
#heading(level: 1, d.title)
#text(size: 10pt)[#d.provider · #d.activity]

#text(size: 10pt)[#d.details]

#table(
  columns: (2.2fr, 1.6fr, 1.4fr, 1.2fr, 1.2fr, 0.8fr),
  inset: 4pt,
  stroke: 0.4pt + luma(140),
  table.header(..d.header.map(h => table.cell(fill: luma(225), strong(h)))),
  ..d.rows.flatten().map(v => [#v]),
)

#text(size: 9pt)[#d.footnote]
"""
_TEMPLATE = TEMPLATE.encode("utf-8")


def _default_fonts() -> tuple[list[str], Any]:
    from cpd.certificates.fonts import bundled_font_dirs, system_cjk_dirs

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                        font_paths=[str(d) for d in bundled_font_dirs() + system_cjk_dirs()])
    return ["Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC"], fonts


_FONTS: tuple[list[str], Any] | None = None


def render(r: Room, activity: str, provider: str, header: Sequence[str], rows: Sequence[Sequence[object]], *,
           font_paths: Any = None) -> bytes:
    """The register's PDF bytes."""
    global _FONTS
    if font_paths is None:
        if _FONTS is None:
            _FONTS = _default_fonts()
        families, font_paths = _FONTS
    else:
        families = ["Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC"]
    kind = "assessed" if r.assessed else "attendance (certificate of participation)"
    data = {
        "title": f"Attendance register: {r.title}",
        "provider": provider,
        "activity": f"{activity} · live workshop",
        "details": f"Date: {r.held_on} · Venue: {r.venue} · CPD hours: {r.cpd_hours:g} · {kind} · "
                   f"{len(rows)} attended",
        "header": list(header),
        "rows": [[str(v) for v in row] for row in rows],
        "footnote": "Times in UTC. 'Left' is the time of the participant's last answer; the workshop records no "
                    "separate sign-out.",
        "fonts": families,
    }
    held = datetime.combine(datetime.fromisoformat(r.held_on).date(), time(12), UTC)
    return typst.compile(_TEMPLATE, font_paths=font_paths, sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                         pdf_standards=["ua-1"], timestamp=held)
