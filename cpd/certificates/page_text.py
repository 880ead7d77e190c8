"""Does the printed page say what the signed record says? Compare the PDF's visible text with the record.

The signature covers the attached record, not the page, so a forger can print
any name on a page and attach someone else's genuine record. Offline, the best
a verifier can do is read the page's text and compare it with the record;
online, the byte comparison with the issued PDF settles it.

Text comes out of a PDF imperfectly, so both sides are normalised first:
Unicode NFKC (ligatures such as "ﬁ" and presentation forms become plain
letters), case folded, bidi controls and all whitespace removed (a long name
wraps onto two lines). Right-to-left text (Arabic, Hebrew) is harder: typst
shapes it into glyph runs marked ``/ReversedChars`` and ``/ActualText``, which
pypdf reads out of order and partly twice (measured: "فاطمة الزهراء" comes out as
17 letters in another order). For a right-to-left value the comparison is
therefore by the set of letters on its line(s): weaker, and said so in the
result, which is why an offline match is only ever "as far as text can show".
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from cpd.certificates.pdf import PARTICIPATION_LINE, format_date, format_number, score_line
from cpd.certificates.record import AWARDED_FOR_PARTICIPATION, AnyRecord, award_basis
from cpd.text import BIDI_CONTROLS

_RTL = {"R", "AL"}


@dataclass(frozen=True)
class FieldDifference:
    field: str
    signed: str  # what the signed record says

    def describe(self) -> str:
        return f"{self.field}: the signed record says {self.signed!r}, which the page does not show"


@dataclass(frozen=True)
class PageComparison:
    differences: tuple[FieldDifference, ...]
    rtl_by_letters: bool  # a right-to-left value was compared by its letters only

    @property
    def matches(self) -> bool:
        return not self.differences


def compact(text: str) -> str:
    """NFKC, case folded, without whitespace or bidi controls."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) not in BIDI_CONTROLS)


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _RTL for ch in text)


def _letters(text: str) -> frozenset[str]:
    return frozenset(ch for ch in compact(text) if ch.isalpha())


def checked_fields(record: AnyRecord) -> dict[str, str]:
    """What an employer reads off the page, as the template prints it."""
    fields = {
        "name": record.learner_name,
        "activity": record.activity_title,
        "completion date": format_date(record.completion_date),
        "CPD hours": format_number(record.cpd_hours),
        "certificate ID": record.id,
    }
    # The basis of the award (record version 2): a participation record printed as a scored certificate,
    # or the other way round, is caught here.
    basis = award_basis(record)
    if basis == AWARDED_FOR_PARTICIPATION:
        fields["basis of award"] = PARTICIPATION_LINE
    elif basis is not None:
        fields["score and pass mark"] = score_line(record)
    if record.registration_number:
        fields["registration number"] = record.registration_number
    if record.venue:
        fields["venue"] = record.venue
    return fields


def _windows(lines: list[str]) -> list[str]:
    """Each line, and each run of two or three lines (a long name wraps)."""
    return [" ".join(lines[i : i + size]) for size in (1, 2, 3) for i in range(len(lines) - size + 1)]


def _rtl_present(value: str, lines: list[str]) -> bool:
    want = _letters(value)
    return any(_letters(w) == want for w in _windows(lines))


def _line_present(value: str, lines: list[str]) -> bool:
    """The value is a whole line (or wrapped run of lines), not part of one: "Ann Lee" is not "Joann Leeds"."""
    want = compact(value)
    return any(compact(w) == want for w in _windows(lines))


# Printed on a line of their own by the template, so compared as whole lines.
_WHOLE_LINE_FIELDS = frozenset({"name", "activity"})


def compare_text(record: AnyRecord, page_text: str) -> PageComparison:
    """Which of the record's printed facts the page text does not show."""
    whole = compact(page_text)
    lines = [ln for ln in page_text.splitlines() if ln.strip()]
    differences: list[FieldDifference] = []
    rtl = False
    for field, value in checked_fields(record).items():
        if is_rtl(value):
            rtl = True
            found = _rtl_present(value, lines)
        elif field in _WHOLE_LINE_FIELDS:
            found = _line_present(value, lines)
        else:
            found = compact(value) in whole
        if not found:
            differences.append(FieldDifference(field, value))
    return PageComparison(tuple(differences), rtl)


def pdf_page_text(data: bytes) -> str:
    """The visible text of a one-page PDF (raises pypdf errors for unreadable files)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
