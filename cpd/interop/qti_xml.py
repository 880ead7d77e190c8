"""Small builders and readers for QTI 3.0 item XML, shared by the item types' QTI hooks.

Identifiers: QTI wants XML names (no leading digit), our slugs may start with one,
so ``qid`` prefixes an underscore (slugs never start with one) and ``slug`` takes it off.
Our own data that QTI has no element for (objective, evidence ids) rides in
``class`` tokens (``cpd-ev-<id>``), which players ignore and our import reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from lxml import etree

NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
Q = "{" + NS + "}"
Element: TypeAlias = etree._Element


def qid(slug: str) -> str:
    return slug if slug[:1].isalpha() else "_" + slug


def slug(identifier: str) -> str:
    return identifier[1:] if identifier.startswith("_") else identifier


def el(tag: str, attrs: Mapping[str, str] | None = None, *children: Element | str | None) -> Element:
    """A QTI element; string children become its text (or the tail of the child before)."""
    node = etree.Element(Q + tag, {k: v for k, v in (attrs or {}).items()})
    last: Element | None = None
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            if last is None:
                node.text = (node.text or "") + child
            else:
                last.tail = (last.tail or "") + child
        else:
            node.append(child)
            last = child
    return node


def value(base_type: str, text: str) -> Element:
    return el("qti-base-value", {"base-type": base_type}, text)


def correct_response(values: Iterable[str]) -> Element:
    return el("qti-correct-response", None, *(el("qti-value", None, v) for v in values))


def declaration(identifier: str, cardinality: str, base_type: str, correct: Iterable[str] = (),
                mapping: Element | None = None) -> Element:
    values = list(correct)
    return el("qti-response-declaration", {"identifier": identifier, "cardinality": cardinality, "base-type": base_type},
              correct_response(values) if values else None, mapping)


def evidence_class(ids: Iterable[str], *more: str) -> dict[str, str]:
    tokens = [*more, *(f"cpd-ev-{e}" for e in ids)]
    return {"class": " ".join(tokens)} if tokens else {}


def evidence_of(node: Element) -> list[str]:
    return [t.removeprefix("cpd-ev-") for t in (node.get("class") or "").split() if t.startswith("cpd-ev-")]


def inline_feedback(identifier: str, text: str) -> Element:
    """A rationale shown beside its choice once the item is answered (FEEDBACK holds the choice's id)."""
    return el("qti-feedback-inline", {"outcome-identifier": "FEEDBACK", "identifier": qid(identifier),
                                      "show-hide": "show"}, text)


def find(node: Element, tag: str) -> Element | None:
    return node.find(".//" + Q + tag)


def find_all(node: Element, tag: str) -> list[Element]:
    return list(node.iter(Q + tag))


def own_text(node: Element) -> str:
    """The text of a choice without the feedback inside it."""
    return node.text or ""


def feedback_text(node: Element) -> str:
    fb = node.find(Q + "qti-feedback-inline")
    return fb.text or "" if fb is not None else ""


@dataclass
class QtiParts:
    """What one item type contributes to a QTI item: declarations, body (after the stem), response processing."""

    declarations: list[Element]
    body: list[Element]
    processing: list[Element]  # response rules (inside qti-response-processing), SCORE and FEEDBACK set here
    outcomes: list[Element] = field(default_factory=list)  # any outcome declarations beyond SCORE/MAXSCORE/FEEDBACK


def set_outcome(identifier: str, expression: Element) -> Element:
    return el("qti-set-outcome-value", {"identifier": identifier}, expression)


def choice(tag: str, identifier: str, text: str, rationale: str | None, evidence: Iterable[str],
           attrs: Mapping[str, str] | None = None) -> Element:
    """A choice with its rationale as inline feedback and its evidence ids as class tokens."""
    return el(tag, {"identifier": qid(identifier), **(attrs or {}), **evidence_class(evidence)}, text,
              inline_feedback(identifier, rationale) if rationale else None)


def choice_interaction(response: str, options: Iterable[object], *, max_choices: int, min_choices: int = 0,
                       prompt: str | None = None) -> Element:
    """A qti-choice-interaction over options (objects with id, text, rationale, evidence)."""
    attrs = {"response-identifier": response, "shuffle": "false", "max-choices": str(max_choices)}
    if min_choices:
        attrs["min-choices"] = str(min_choices)
    return el("qti-choice-interaction", attrs, el("qti-prompt", None, prompt) if prompt else None,
              *(choice("qti-simple-choice", o.id, o.text, o.rationale, o.evidence)  # type: ignore[attr-defined]
                for o in options))


def matches_correct(response: str) -> Element:
    return el("qti-match", None, el("qti-variable", {"identifier": response}), el("qti-correct", {"identifier": response}))


def all_or_nothing(responses: Iterable[str]) -> Element:
    """SCORE 1 when every response matches its correct response, else 0 (single best, rationale pair)."""
    tests = [matches_correct(r) for r in responses]
    test = tests[0] if len(tests) == 1 else el("qti-and", None, *tests)
    return el("qti-response-condition", None,
              el("qti-response-if", None, test, set_outcome("SCORE", value("float", "1"))),
              el("qti-response-else", None, set_outcome("SCORE", value("float", "0"))))


def show_feedback(responses: Iterable[str], always: Iterable[str] = ()) -> Element:
    """FEEDBACK: the chosen and the right choices (their rationales show), as our feedback does, plus ``always``."""
    parts: list[Element] = []
    for r in responses:
        parts += [el("qti-variable", {"identifier": r}), el("qti-correct", {"identifier": r})]
    parts += [value("identifier", qid(a)) for a in always]
    return set_outcome("FEEDBACK", el("qti-multiple", None, *parts))


def correct_values(declarations: Iterable[Element], response: str) -> list[str] | None:
    for d in declarations:
        if d.get("identifier") == response:
            return [v.text or "" for v in d.iter(Q + "qti-value")]
    return None


def read_choices(body: Element, declarations: Iterable[Element], response: str, *, single: bool) -> list[dict[str, object]] | None:
    """Options back from a choice interaction we wrote, or None when the item has no such interaction."""
    interaction = next((i for i in body.iter(Q + "qti-choice-interaction") if i.get("response-identifier") == response), None)
    correct = correct_values(declarations, response)
    if interaction is None or correct is None or (interaction.get("max-choices") == "1") != single:
        return None
    out: list[dict[str, object]] = []
    for c in interaction.iter(Q + "qti-simple-choice"):
        option: dict[str, object] = {"id": slug(c.get("identifier", "")), "text": own_text(c)}
        if c.get("identifier") in correct:
            option["correct"] = True
        if feedback_text(c):
            option["rationale"] = feedback_text(c)
        if evidence_of(c):
            option["evidence"] = evidence_of(c)
        out.append(option)
    return out


def prompt_of(interaction: Element) -> str | None:
    p = interaction.find(Q + "qti-prompt")
    return None if p is None else p.text or ""
