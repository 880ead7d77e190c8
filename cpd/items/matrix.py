"""Matrix: one column chosen per row (e.g. report / watch for each finding); each row 0 or 1, summed.

Response: ``{"rows": {"r1": "report", "r2": "watch"}}``. A response with a row
left unanswered is refused with the count of rows still open, like an empty
select-all: a row left out is a slip, not an answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from cpd.content.fields import Slug, Strict, Text
from cpd.interop import qti_xml as qx
from cpd.interop.gift_model import GiftAnswer, GiftBody
from cpd.items.base import (
    Choice,
    Classified,
    InvalidResponse,
    ItemBase,
    ItemScore,
    ItemType,
    OptionSet,
    Order,
    PartFeedback,
    Reading,
    Response,
    Samples,
    WrittenOption,
    quoted,
    words,
)


class MatrixColumn(Strict):
    id: Slug
    text: Text


class MatrixRow(Strict):
    id: Slug
    text: Text
    answer: Slug  # the id of the right column
    rationale: Text
    evidence: list[Slug] = Field(default_factory=list)


class MatrixItem(ItemBase):
    type: Literal["matrix"]
    columns: list[MatrixColumn] = Field(min_length=2)
    rows: list[MatrixRow] = Field(min_length=2)

    @model_validator(mode="after")
    def _answers_are_columns(self) -> MatrixItem:
        ids = {c.id for c in self.columns}
        for i, row in enumerate(self.rows):
            if row.answer not in ids:
                raise ValueError(f"rows[{i}].answer {row.answer!r} is not one of the columns {sorted(ids)}")
        return self

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *(e for r in self.rows for e in r.evidence)]


@dataclass(frozen=True)
class MatrixView:
    rows: tuple[Choice, ...]
    columns: tuple[Choice, ...]  # always in the authors' order: a scale reads left to right


def _answers(item: MatrixItem, response: Response) -> dict[str, str]:
    answers = response.get("rows", {})
    if not isinstance(answers, Mapping):
        raise InvalidResponse("rows must map row ids to column ids")
    columns = {c.id for c in item.columns}
    rows = {r.id for r in item.rows}
    for row_id, col in answers.items():
        if not isinstance(row_id, str) or row_id not in rows:
            raise InvalidResponse(f"unknown row {quoted(row_id)}")
        if col is not None and (not isinstance(col, str) or col not in columns):
            raise InvalidResponse(f"unknown column {quoted(col)}")
    return {k: v for k, v in answers.items() if v is not None}


class Matrix(ItemType[MatrixItem]):
    name = "matrix"
    label = "matrix (one answer per row)"
    response_keys = ("rows",)
    model = MatrixItem

    def public_view(self, item: MatrixItem, order: Order) -> MatrixView:
        return MatrixView(order([Choice(r.id, r.text) for r in item.rows], item.id),
                          tuple(Choice(c.id, c.text) for c in item.columns))

    def incomplete(self, item: MatrixItem, response: Response) -> str | None:
        answers = response.get("rows")
        given = {k for k, v in answers.items() if v is not None} if isinstance(answers, Mapping) else set()
        missing = sum(1 for r in item.rows if r.id not in given)
        if not missing:
            return None
        return f"choose an answer for every row ({missing} of {len(item.rows)} still open)"

    def score(self, item: MatrixItem, response: Response) -> ItemScore:
        """Each row 0/1, summed; a row left unanswered scores 0 (the engine refuses such a response first)."""
        answers = _answers(item, response)
        parts = {r.id: answers.get(r.id) == r.answer for r in item.rows}
        got = sum(parts.values())
        return ItemScore(float(got), float(len(item.rows)), got == len(item.rows), parts=parts)

    def max_points(self, item: MatrixItem) -> float:
        return float(len(item.rows))

    def classify(self, item: MatrixItem, response: Response) -> tuple[Classified, ...]:
        answers = response.get("rows") or {}
        return tuple(Classified(r.id, answers[r.id], float(answers[r.id] == r.answer))
                     for r in item.rows if answers.get(r.id) is not None)

    def feedback_parts(self, item: MatrixItem, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        cols = {c.id: c.text for c in item.columns}
        answers = response.get("rows") or {}
        parts = tuple(
            PartFeedback(r.text, cols.get(answers.get(r.id) or "", "no answer"), cols[r.answer],
                         answers.get(r.id) == r.answer, True, r.rationale)
            for r in item.rows
        )
        return parts, [e for r in item.rows for e in r.evidence]

    def reading(self, item: MatrixItem) -> Reading:
        return Reading(words(*(r.text for r in item.rows), *(c.text for c in item.columns)),
                       words(*(r.rationale for r in item.rows)), len(item.rows))

    def sample_responses(self, item: MatrixItem) -> Samples:
        def other(row: MatrixRow) -> str:
            return next(c.id for c in item.columns if c.id != row.answer)

        right = {r.id: r.answer for r in item.rows}
        partial = {**right, item.rows[0].id: other(item.rows[0])}
        wrong = {r.id: other(r) for r in item.rows}
        return Samples({"rows": right}, {"rows": partial}, {"rows": wrong}, {"rows": dict(list(right.items())[1:])})

    def option_sets(self, item: MatrixItem) -> tuple[OptionSet, ...]:
        # The columns are every row's options. Each is right for some rows, so none is keyed, and a longer
        # label cannot point to an answer: only the wording rules ("nothing", "none of the above") apply.
        columns = tuple(WrittenOption(c.id, c.text, None, ("columns", i, "text")) for i, c in enumerate(item.columns))
        return (OptionSet("columns", columns, one_best=False, lengths_compared=False),)

    # --- interchange formats ---

    def gift_export(self, item: MatrixItem) -> GiftBody:
        cols = {c.id: c.text for c in item.columns}
        answers = tuple(GiftAnswer(r.text, 100.0, "", match=cols[r.answer]) for r in item.rows)
        extra = {"columns": [c.model_dump(mode="json") for c in item.columns],
                 "rows": [r.model_dump(mode="json", exclude={"text"}, exclude_defaults=True) for r in item.rows]}
        return GiftBody(answers, extra, lossy="a matrix becomes a GIFT matching question: GIFT has no feedback per "
                        "pair, so the row rationales travel only in the @cpd comment (Moodle will not show them)")

    def gift_import(self, body: GiftBody) -> dict[str, Any] | None:
        if not body.matching:
            return None
        columns = list(body.extra.get("columns") or [])
        if not columns:
            texts = list(dict.fromkeys(a.match or "" for a in body.answers))
            columns = [{"id": f"c{i}", "text": t} for i, t in enumerate(texts, 1)]
        by_text = {c["text"]: c["id"] for c in columns}
        known = list(body.extra.get("rows") or [])
        rows = []
        for i, a in enumerate(body.answers):
            meta = dict(known[i]) if i < len(known) else {"id": f"r{i + 1}"}
            meta.pop("answer", None)
            rows.append({"id": meta.pop("id"), "text": a.text, "answer": by_text.get(a.match or "", a.match), **meta})
        return {"columns": columns, "rows": rows}

    def qti_export(self, item: MatrixItem) -> qx.QtiParts:
        pairs = [f"{qx.qid(r.id)} {qx.qid(r.answer)}" for r in item.rows]
        mapping = qx.el("qti-mapping", {"lower-bound": "0", "default-value": "0"},
                        *(qx.el("qti-map-entry", {"map-key": p, "mapped-value": "1"}) for p in pairs))
        n = str(len(item.rows))
        interaction = qx.el(
            "qti-match-interaction", {"response-identifier": "RESPONSE", "shuffle": "false", "max-associations": n},
            qx.el("qti-simple-match-set", None, *(qx.choice("qti-simple-associable-choice", r.id, r.text, r.rationale,
                                                            r.evidence, {"match-max": "1"}) for r in item.rows)),
            qx.el("qti-simple-match-set", None, *(qx.choice("qti-simple-associable-choice", c.id, c.text, None, (),
                                                            {"match-max": n}) for c in item.columns)),
        )
        return qx.QtiParts([qx.declaration("RESPONSE", "multiple", "directedPair", pairs, mapping)], [interaction],
                        [qx.set_outcome("SCORE", qx.el("qti-map-response", {"identifier": "RESPONSE"})),
                         qx.show_feedback([], always=[r.id for r in item.rows])])  # every row's rationale, as ours

    def qti_import(self, body: qx.Element, declarations: Sequence[qx.Element]) -> dict[str, Any] | None:
        interaction = qx.find(body, "qti-match-interaction")
        correct = qx.correct_values(declarations, "RESPONSE")
        if interaction is None or correct is None:
            return None
        sets = interaction.findall(qx.Q + "qti-simple-match-set")
        if len(sets) != 2:
            return None
        answer = dict(p.split() for p in correct)
        rows = []
        for c in sets[0].iter(qx.Q + "qti-simple-associable-choice"):
            row: dict[str, Any] = {"id": qx.slug(c.get("identifier", "")), "text": qx.own_text(c),
                                   "answer": qx.slug(answer.get(c.get("identifier", ""), ""))}
            if qx.feedback_text(c):
                row["rationale"] = qx.feedback_text(c)
            if qx.evidence_of(c):
                row["evidence"] = qx.evidence_of(c)
            rows.append(row)
        columns = [{"id": qx.slug(c.get("identifier", "")), "text": qx.own_text(c)}
                   for c in sets[1].iter(qx.Q + "qti-simple-associable-choice")]
        return {"columns": columns, "rows": rows}

    def qti_response(self, item: MatrixItem, response: Response) -> dict[str, Any]:
        return {"RESPONSE": [f"{qx.qid(r)} {qx.qid(c)}" for r, c in (response.get("rows") or {}).items() if c]}


TYPE = Matrix()
