"""Select all that apply, scored +/-: +1 per right option ticked, -1 per wrong one, never below zero.

Response: ``{"options": ["a", "c"]}``. An empty response is refused, not scored:
every item has a right option, so an empty submit is almost always a slip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from cpd.interop import qti_xml as qx
from cpd.interop.gift_model import GiftBody, weight
from cpd.items.base import (
    Choice,
    Classified,
    InvalidResponse,
    ItemBase,
    ItemScore,
    ItemType,
    Option,
    OptionSet,
    OptionsView,
    Order,
    PartFeedback,
    Reading,
    Response,
    Samples,
    gift_options,
    option_set,
    options_from_gift,
    quoted,
    words,
)


class SelectAllItem(ItemBase):
    type: Literal["select_all"]
    options: list[Option] = Field(min_length=3)

    @model_validator(mode="after")
    def _some_correct(self) -> SelectAllItem:
        if not any(o.correct for o in self.options):
            raise ValueError("no correct answer: mark at least one option correct: true")
        return self

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *(e for o in self.options if o.correct for e in o.evidence)]


def _chosen(item: SelectAllItem, response: Response) -> set[str]:
    chosen = response.get("options", [])
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise InvalidResponse("options must be a list of option ids")
    ids = {o.id for o in item.options}
    unknown = [c for c in chosen if c not in ids]
    if unknown:
        raise InvalidResponse(f"unknown option {quoted(unknown[0])}")
    return set(chosen)


class SelectAll(ItemType[SelectAllItem]):
    name = "select_all"
    label = "select all that apply"
    response_keys = ("options",)
    model = SelectAllItem

    def public_view(self, item: SelectAllItem, order: Order) -> OptionsView:
        return OptionsView(order([Choice(o.id, o.text) for o in item.options], item.id))

    def incomplete(self, item: SelectAllItem, response: Response) -> str | None:
        return None if response.get("options") else "tick at least one option"

    def score(self, item: SelectAllItem, response: Response) -> ItemScore:
        chosen = _chosen(item, response)
        gained = sum(1 for o in item.options if o.id in chosen and o.correct)
        lost = sum(1 for o in item.options if o.id in chosen and not o.correct)
        right = chosen == {o.id for o in item.options if o.correct}
        parts = {o.id: (o.id in chosen) == o.correct for o in item.options}
        return ItemScore(float(max(0, gained - lost)), self.max_points(item), right, parts=parts)

    def max_points(self, item: SelectAllItem) -> float:
        return float(sum(o.correct for o in item.options))

    def classify(self, item: SelectAllItem, response: Response) -> tuple[Classified, ...]:
        chosen = set(response.get("options") or ())
        return tuple(Classified(o.id, o.id, float(o.correct)) for o in item.options if o.id in chosen)

    def feedback_parts(self, item: SelectAllItem, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        chosen = set(response.get("options") or ())
        shown = [o for o in item.options if o.id in chosen or o.correct]
        shown.sort(key=lambda o: o.id not in chosen)  # what the learner chose first, then what they missed
        parts = tuple(PartFeedback(o.text, None, None, o.correct, o.id in chosen, o.rationale) for o in shown)
        return parts, [e for o in shown for e in o.evidence]

    def reading(self, item: SelectAllItem) -> Reading:
        # Each option is a decision of its own: tick or not.
        return Reading(words(*(o.text for o in item.options)), words(*(o.rationale for o in item.options)),
                       len(item.options))

    def sample_responses(self, item: SelectAllItem) -> Samples:
        right = [o.id for o in item.options if o.correct]
        wrong = [o.id for o in item.options if not o.correct]
        # Partly right: every right option but one. With a single right option no response scores in between.
        partial = right[:-1] if len(right) > 1 else None
        return Samples({"options": right}, {"options": partial} if partial else None, {"options": wrong[:1]},
                       {"options": []})

    def option_sets(self, item: SelectAllItem) -> tuple[OptionSet, ...]:
        # Several options are keyed, so "the key is the longest" has no chance level to compare with.
        return (option_set("options", item.options, one_best=False),)

    # --- interchange formats ---

    def gift_export(self, item: SelectAllItem) -> GiftBody:
        # +1 per right tick, -1 per wrong one, never below zero: Moodle's multiple-answer weights, floor at 0.
        share = weight(sum(o.correct for o in item.options))
        answers, extra = gift_options(item.options, [share if o.correct else -share for o in item.options])
        return GiftBody(answers, extra)

    def gift_import(self, body: GiftBody) -> dict[str, Any] | None:
        if body.matching or body.one_right or not any(a.fraction > 0 for a in body.answers):
            return None
        return {"options": options_from_gift(body)}

    def qti_export(self, item: SelectAllItem) -> qx.QtiParts:
        mapping = qx.el("qti-mapping", {"lower-bound": "0", "default-value": "0"},
                        *(qx.el("qti-map-entry", {"map-key": qx.qid(o.id), "mapped-value": "1" if o.correct else "-1"})
                          for o in item.options))
        correct = [qx.qid(o.id) for o in item.options if o.correct]
        return qx.QtiParts([qx.declaration("RESPONSE", "multiple", "identifier", correct, mapping)],
                        [qx.choice_interaction("RESPONSE", item.options, max_choices=0, min_choices=1)],
                        [qx.set_outcome("SCORE", qx.el("qti-map-response", {"identifier": "RESPONSE"})),
                         qx.show_feedback(["RESPONSE"])])

    def qti_import(self, body: qx.Element, declarations: Sequence[qx.Element]) -> dict[str, Any] | None:
        read = qx.read_choices(body, declarations, "RESPONSE", single=False)
        return None if read is None else {"options": read}

    def qti_response(self, item: SelectAllItem, response: Response) -> dict[str, Any]:
        return {"RESPONSE": [qx.qid(o) for o in response.get("options") or []]}


TYPE = SelectAll()
