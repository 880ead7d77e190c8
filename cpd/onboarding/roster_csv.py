"""Reading a roster CSV into rows and a line-by-line report, with no database (pure).

A clinic's spreadsheet arrives as UTF-8 (with or without the byte order mark
Excel writes) or, from older Excel on Windows, as Windows-1252. Guessing the
encoding silently turns "Zoë" into "ZoÃ«" on a certificate, so a file that is
not valid UTF-8 is only decoded as Windows-1252 when the caller says the
manager has seen a preview of the accented names and confirmed it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from cpd.text import InvalidText, clean_text, quoted

MAX_ROWS = 5000
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Canonical column -> accepted header spellings (compared lower-case, with spaces, '-' and '_' removed).
COLUMNS = {
    "name": ("name", "fullname", "staffname"),
    "email": ("email", "emailaddress", "mail"),
    "role": ("role", "jobrole", "job", "jobtitle"),
    "start_date": ("startdate", "start", "started"),
    "registration_number": ("registrationnumber", "registration", "regnumber", "registrationno"),
}
REQUIRED = ("name", "email", "role", "start_date")


@dataclass(frozen=True)
class RosterRow:
    line: int  # the line in the file (the header is line 1)
    name: str
    email: str
    role: str
    start_date: date
    registration_number: str | None


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParsedRoster:
    """Good rows, problems by line, and whether the file still needs the Windows-1252 confirmation."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = "utf-8"
    needs_encoding_confirmation: bool = False
    preview: list[str] = field(default_factory=list)  # names as Windows-1252 would read them

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems and not self.needs_encoding_confirmation and bool(self.rows)


def decode(data: bytes, *, allow_windows_1252: bool = False) -> tuple[str | None, str]:
    """The text and the encoding used; (None, "windows-1252") when only that would read it and it is not confirmed."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if not allow_windows_1252:
        return None, "windows-1252"
    return data.decode("cp1252", errors="replace"), "windows-1252"


def parse_date(text: str) -> date:
    """ISO dates only (2026-03-05): 05/03/2026 is 5 March in London and 3 May in Boston."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"start date {quoted(text)} is not a date; write it as YYYY-MM-DD (e.g. 2026-03-05)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"start date {quoted(text)} is not a real date") from None


def _is_text(value: str) -> bool:
    """No control or direction-override character (a NUL in an address is refused by PostgreSQL, not by the regex)."""
    try:
        clean_text(value, field="E-mail", max_len=254)
    except InvalidText:
        return False
    return True


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def parse_roster(data: bytes, *, existing_emails: frozenset[str] = frozenset(),
                 allow_windows_1252: bool = False) -> ParsedRoster:
    """Every row checked; a problem names its line. Nothing here writes anywhere."""
    text, encoding = decode(data, allow_windows_1252=allow_windows_1252)
    out = ParsedRoster(encoding=encoding)
    if text is None:
        out.needs_encoding_confirmation = True
        preview_text = data.decode("cp1252", errors="replace")
        try:  # the preview reads as far as it can: a line csv cannot read is reported once the encoding is confirmed
            for row in list(csv.reader(io.StringIO(preview_text, newline="")))[1:]:
                if row and not row[0].isascii():
                    out.preview.append(row[0])
                if len(out.preview) >= 10:
                    break
        except csv.Error:
            pass
        return out
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        out.problems.append(Problem(1, "the file is empty; the first line must name the columns"))
        return out
    except csv.Error as exc:
        out.problems.append(Problem(1, f"not a readable CSV file ({exc})"))
        return out
    positions: dict[str, int] = {}
    for i, h in enumerate(header):
        for canonical, spellings in COLUMNS.items():
            if _key(h) in spellings and canonical not in positions:
                positions[canonical] = i
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        names = ", ".join(c.replace("_", " ") for c in missing)
        out.problems.append(Problem(1, f"missing column(s): {names} (the first line must name: name, email, role, "
                                       "start date, and optionally registration number)"))
        return out
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(out.rows) + len(out.bad_lines) >= MAX_ROWS:
                out.problems.append(Problem(line, f"more than {MAX_ROWS} people in one file; split it"))
                break
            problems = _check_row(row, positions, line, seen, existing_emails)
            if isinstance(problems, RosterRow):
                out.rows.append(problems)
            else:
                out.problems.extend(problems)
    except csv.Error as exc:
        out.problems.append(Problem(reader.line_num, f"this line cannot be read as CSV ({exc})"))
    if not out.rows and not out.problems:
        out.problems.append(Problem(2, "the file has a header but no people"))
    return out


def _check_row(row: list[str], positions: dict[str, int], line: int, seen: dict[str, int],
               existing: frozenset[str]) -> RosterRow | list[Problem]:
    def cell(name: str) -> str:
        i = positions.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    problems: list[str] = []
    for name in positions:
        value = cell(name)
        if value[:1] in FORMULA_START:
            problems.append(f"{name.replace('_', ' ')} starts with {value[:1]!r} and would run as a spreadsheet formula; "
                            "remove that character")
    values: dict[str, str | None] = {}
    for name, label, limit in (("name", "Name", 120), ("role", "Role", 80)):
        try:
            values[name] = clean_text(cell(name), field=label, max_len=limit)
        except InvalidText as exc:
            problems.append(str(exc) if cell(name) else f"{label.lower()} is missing")
    email = cell("email").lower()
    if not email:
        problems.append("e-mail is missing")
    elif len(email) > 254 or not _EMAIL.match(email) or not _is_text(email):
        problems.append(f"e-mail {quoted(cell('email'))} is not an e-mail address")
    elif email in seen:
        problems.append(f"duplicate person: {email} is already on line {seen[email]}")
    elif email in existing:
        problems.append(f"duplicate person: {email} is already on the roster")
    else:
        seen[email] = line
    start: date | None = None
    if not cell("start_date"):
        problems.append("start date is missing")
    else:
        try:
            start = parse_date(cell("start_date"))
        except ValueError as exc:
            problems.append(str(exc))
    reg = cell("registration_number") or None
    if reg is not None and (len(reg) > 64 or not re.fullmatch(r"[\w ./-]+", reg)):
        problems.append(f"registration number {quoted(reg)}: letters, digits, spaces and . / - only (at most 64)")
    if problems:
        return [Problem(line, p) for p in dict.fromkeys(problems)]
    assert start is not None and values["name"] and values["role"]
    return RosterRow(line, values["name"], email, values["role"], start, reg)
