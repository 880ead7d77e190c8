"""GIFT (Moodle's plain-text question format): write a module's questions, read GIFT files back.

Our own files carry what GIFT has no place for in ``// @cpd...`` comment lines,
which Moodle and other GIFT readers skip: the module's objectives and references,
each case and stage, and per question its id, type, objective, evidence ids and
whatever the item type needs back (``GiftBody.extra``). So a round trip GIFT ->
YAML -> GIFT keeps every question, answer, feedback and citation. A question whose
type GIFT cannot hold is written in the nearest GIFT form with a warning naming it.

A foreign GIFT file (no ``@cpd`` lines) becomes one draft case; its items lack
objectives and evidence, so it does not validate until an author adds them, and
``cpd.interop.bank.problems`` names each missing field with its file and line.
Question kinds with no item type here (short answer, numerical, essay) are left
out with a note naming them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cpd.interop.bank import Bank, Imported
from cpd.interop.gift_model import GiftAnswer, GiftBody
from cpd.items.registry import TYPES

SPECIAL = "~=#{}:"
MARKUP = "[markdown]"  # our texts are Markdown, as the pages show them
MAGIC = "// @cpd"


# --- writing -------------------------------------------------------------------------------------

def escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _directive(name: str, data: Any) -> str:
    return f"{MAGIC}-{name} {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}" if name else \
        f"{MAGIC} {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}"


def _fraction(f: float) -> str:
    return format(f, ".10g")


def _answers(body: GiftBody) -> list[str]:
    lines = []
    for a in body.answers:
        feedback = f"#{escape(a.feedback)}" if a.feedback else ""
        if body.matching:
            lines.append(f"={escape(a.text)} -> {escape(a.match or '')}{feedback}")
        elif body.one_right:
            lines.append(f"{'=' if a.fraction == 100 else '~'}{escape(a.text)}{feedback}")
        else:
            lines.append(f"~%{_fraction(a.fraction)}%{escape(a.text)}{feedback}")
    return lines


@dataclass(frozen=True)
class GiftExport:
    text: str
    warnings: tuple[str, ...]  # one per item written in a nearer form than its own, naming it


def dumps(bank: Bank) -> GiftExport:
    """The whole bank as one GIFT file, with our ``@cpd`` comments; warnings name every item GIFT bends."""
    out = [f"// Reality Check CPD question bank: {bank.title} ({bank.module_id}). GIFT for Moodle.",
           "// Lines starting '// @cpd' carry the ids, objectives and evidence GIFT has no place for; keep them to import back.",
           _directive("module", {"id": bank.module_id, "title": bank.title})]
    out += [_directive("objective", o.model_dump(mode="json")) for o in bank.objectives]
    out += [_directive("reference", r.model_dump(mode="json", exclude_none=True)) for r in bank.references]
    out.append("")
    warnings: list[str] = []
    for case in bank.cases:
        out += [f"$CATEGORY: $course$/{bank.module_id}/{case.id}", "",
                _directive("case", {"id": case.id, "title": case.title, "summary": case.summary}), ""]
        for stage in case.stages:
            out += [_directive("stage", {"id": stage.id, "title": stage.title, "narrative": stage.narrative}), ""]
            for item in stage.items:
                body = TYPES[item.type].gift_export(item)
                if body.lossy:
                    warnings.append(f"{item.id} ({case.id}): {body.lossy}")
                meta: dict[str, Any] = {"type": item.type, "id": item.id, "objective": item.objective,
                                        "evidence": list(item.evidence)}
                if item.certainty:
                    meta["certainty"] = True
                if body.extra:
                    meta["extra"] = dict(body.extra)
                out.append(_directive("", meta))
                out.append(f"::{escape(item.id)}::{MARKUP}{escape(item.stem)}{{")
                out += _answers(body)
                if item.feedback:
                    out.append(f"####{escape(item.feedback)}")
                out += ["}", ""]
    return GiftExport("\n".join(out), tuple(warnings))


# --- reading -------------------------------------------------------------------------------------

def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split_unescaped(text: str, seps: str) -> Iterator[tuple[str, str]]:
    """(separator, piece) pairs: the text cut before each unescaped character in ``seps``."""
    sep, start, i = "", 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in seps:
            yield sep, text[start:i]
            sep, start = text[i], i + 1
        i += 1
    yield sep, text[start:]


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


@dataclass(frozen=True)
class RawQuestion:
    title: str
    stem: str
    body: str | None  # between the braces; None for a description (no answer part)
    general_feedback: str


def parse_question(source: str) -> RawQuestion:
    title = ""
    text = source.strip()
    if text.startswith("::"):
        end = _find_unescaped(text, "::", 2)
        if end > 0:
            title, text = unescape(text[2:end].strip()), text[end + 2:]
    text = text.lstrip()
    markup = re.match(r"\[(html|moodle|plain|markdown)\]", text)
    if markup:
        text = text[markup.end():]
    open_at = _find_unescaped(text, "{")
    if open_at < 0:
        return RawQuestion(title, unescape(text.strip()), None, "")
    close_at = _find_unescaped(text, "}", open_at)
    if close_at < 0:
        raise ValueError("an answer part opens with { but never closes with }")
    head, inner, tail = text[:open_at], text[open_at + 1:close_at], text[close_at + 1:]
    stem = unescape(head.strip()) + (" _____ " + unescape(tail.strip()) if tail.strip() else "")
    general = ""
    gf_at = _find_unescaped(inner, "####")
    if gf_at >= 0:
        inner, general = inner[:gf_at], unescape(inner[gf_at + 4:].strip())
    return RawQuestion(title, stem, inner, general)


def parse_answers(inner: str) -> tuple[GiftAnswer, ...] | str:
    """The answers of a choice or matching question, or the name of a kind we have no item type for."""
    stripped = inner.strip()
    if not stripped:
        return "essay"
    if stripped.startswith("#"):
        return "numerical"
    if re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", stripped, flags=re.S):
        truth = stripped.split("#", 1)[0] in ("T", "TRUE")
        said = [unescape(p.strip()) for _, p in list(_split_unescaped(stripped, "#"))[1:]]
        return (GiftAnswer("True", 100.0 if truth else 0.0, (said[0] if said else "")),
                GiftAnswer("False", 0.0 if truth else 100.0, (said[1] if len(said) > 1 else "")))
    answers = []
    for sign, piece in _split_unescaped(stripped, "=~"):
        if not sign:
            continue
        fraction = 100.0 if sign == "=" else 0.0
        weight = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", piece)
        if weight:
            fraction, piece = float(weight.group(1)), piece[weight.end():]
        parts = [p for _, p in _split_unescaped(piece, "#")]
        text, feedback = parts[0], "#".join(parts[1:])
        arrow = _find_unescaped(text, "->")
        match = None
        if arrow >= 0:
            text, match = text[:arrow], unescape(text[arrow + 2:].strip())
        answers.append(GiftAnswer(unescape(text.strip()), fraction, unescape(feedback.strip()), match))
    if all(a.fraction in (0.0, 100.0) and a.match is None for a in answers) and sum(a.fraction == 100 for a in answers) > 1:
        return "short answer"  # several '=' without arrows: every one is accepted typed text
    return tuple(answers)


def _blocks(text: str) -> Iterator[tuple[list[str], str]]:
    """(comment lines, question source) for each blank-line separated block, as Moodle splits a GIFT file."""
    comments: list[str] = []
    source: list[str] = []
    for line in [*text.replace("\r\n", "\n").split("\n"), ""]:
        if not line.strip():
            if comments or source:
                yield comments, "\n".join(source)
            comments, source = [], []
        elif line.lstrip().startswith("//"):
            comments.append(line.strip())
        else:
            source.append(line)


def _slugify(text: str, fallback: str) -> str:
    s = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-._")[:60]
    return s or fallback


def loads(text: str, name: str = "imported") -> Imported:
    """Read a GIFT file: ours come back whole; a foreign one becomes one draft case named after ``name``."""
    draft_id = _slugify(name, "imported")
    result = Imported(draft_id, name)
    case: dict[str, Any] | None = None
    stage: dict[str, Any] | None = None
    count = 0
    for comments, source in _blocks(text):
        meta: dict[str, Any] | None = None
        for line in comments:
            if not line.startswith(MAGIC):
                continue
            head, _, payload = line.removeprefix("//").strip().partition(" ")
            kind = head.removeprefix("@cpd").lstrip("-")
            try:
                data = json.loads(payload)
            except json.JSONDecodeError:
                result.notes.append(f"a comment line {line[:40]!r}... looks like ours but is not valid JSON; ignored")
                continue
            if not isinstance(data, dict):  # ours always hold an object; anything else was written by hand
                result.notes.append(f"a comment line {line[:40]!r}... looks like ours but holds no JSON object; ignored")
                continue
            if kind == "module":
                result.module_id = str(data.get("id", result.module_id))
                result.title = str(data.get("title", result.title))
            elif kind == "objective":
                result.objectives.append(data)
            elif kind == "reference":
                result.references.append(data)
            elif kind == "case":
                case = {**data, "stages": []}
                result.cases.append(case)
                stage = None
            elif kind == "stage":
                if case is None:
                    case = _draft_case(result, draft_id, name)
                stage = {**data, "items": []}
                case["stages"].append(stage)
            elif kind == "":
                meta = data
        lines = [ln for ln in source.split("\n") if not ln.strip().startswith("$CATEGORY:")]
        if not "".join(lines).strip():
            continue
        count += 1
        try:
            raw = parse_question("\n".join(lines))
        except ValueError as exc:
            result.notes.append(f"question {count}: {exc}; left out")
            continue
        label = raw.title or f"question {count}"
        if raw.body is None:
            result.notes.append(f"{label}: a description with no answers; left out (put it in a stage narrative)")
            continue
        answers = parse_answers(raw.body)
        if isinstance(answers, str):
            article = "an" if answers[0] in "aeiou" else "a"
            result.notes.append(f"{label}: {article} {answers} question has no item type here; left out")
            continue
        item = _item(meta, raw, answers, count)
        if item is None:
            result.notes.append(f"{label}: no item type reads these answers; left out")
            continue
        if stage is None:
            if case is None:
                case = _draft_case(result, draft_id, name)
            stage = {"id": "questions", "title": "Questions", "narrative": f"Imported from {name}.", "items": []}
            case["stages"].append(stage)
        stage["items"].append(item)
    return result


def _draft_case(result: Imported, case_id: str, name: str) -> dict[str, Any]:
    case: dict[str, Any] = {"id": case_id, "title": name, "summary": f"Draft imported from {name}.", "stages": []}
    result.cases.append(case)
    return case


def _ours(meta: dict[str, Any] | None) -> bool:
    """A question comment as we write it: a known type and an id and objective (the validator checks the rest)."""
    return (meta is not None and meta.get("type") in TYPES and isinstance(meta.get("extra", {}), dict)
            and all(isinstance(meta.get(k), str) for k in ("id", "objective")))


def _item(meta: dict[str, Any] | None, raw: RawQuestion, answers: tuple[GiftAnswer, ...], n: int) -> dict[str, Any] | None:
    if meta is not None and _ours(meta):
        body = GiftBody(answers, meta.get("extra") or {})
        try:
            fields = TYPES[meta["type"]].gift_import(body)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):  # an edited comment the type cannot read
            fields = None
        if fields is None:
            return None
        item: dict[str, Any] = {"id": meta["id"], "type": meta["type"], "objective": meta["objective"],
                                "stem": raw.stem, "evidence": meta.get("evidence", [])}
        if meta.get("certainty"):
            item["certainty"] = True
    else:
        body = GiftBody(answers)
        found = next(((name, f) for name, t in TYPES.items() if (f := t.gift_import(body)) is not None), None)
        if found is None:
            return None
        # No objective and no evidence: the draft does not validate until an author adds them.
        item = {"id": _slugify(raw.title, f"q{n}"), "type": found[0], "stem": raw.stem, "evidence": []}
        fields = found[1]
    if raw.general_feedback:
        item["feedback"] = raw.general_feedback
    return {**item, **fields}
