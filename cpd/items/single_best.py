"""Single best answer: one option is right; 1 point or 0.

Response: ``{"option": "b"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from cpd.interop import qti_xml as qx
from cpd.interop.gift_model import GiftBody
from cpd.items.base import (
    Choice,
    Classified,
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
    pick,
    words,
)


class SingleBestItem(ItemBase):
    type: Literal["single_best"]
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_correct(self) -> SingleBestItem:
        n = sum(o.correct for o in self.options)
        if n == 0:
            raise ValueError("no correct answer: mark exactly one option correct: true")
        if n > 1:
            raise ValueError(f"a single best answer item has {n} correct options; mark exactly one")
        return self

    @property
    def correct_option(self) -> Option:
        return next(o for o in self.options if o.correct)

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *self.correct_option.evidence]


class SingleBest(ItemType[SingleBestItem]):
    name = "single_best"
    label = "single best answer"
    response_keys = ("option",)
    model = SingleBestItem

    def public_view(self, item: SingleBestItem, order: Order) -> OptionsView:
        return OptionsView(order([Choice(o.id, o.text) for o in item.options], item.id))

    def incomplete(self, item: SingleBestItem, response: Response) -> str | None:
        return "choose one option" if response.get("option") is None else None

    def score(self, item: SingleBestItem, response: Response) -> ItemScore:
        chosen = pick(response.get("option"), [o.id for o in item.options], "option")
        right = chosen == item.correct_option.id
        return ItemScore(float(right), 1.0, right, parts={chosen: right})

    def max_points(self, item: SingleBestItem) -> float:
        return 1.0

    def classify(self, item: SingleBestItem, response: Response) -> tuple[Classified, ...]:
        chosen = response.get("option")
        return tuple(Classified("", o.id, float(o.correct)) for o in item.options if o.id == chosen)

    def feedback_parts(self, item: SingleBestItem, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        chosen = response.get("option")
        shown = [o for o in item.options if o.id == chosen or o.correct]
        shown.sort(key=lambda o: o.id != chosen)  # what the learner chose first, then the right answer
        parts = tuple(PartFeedback(o.text, None, None, o.correct, o.id == chosen, o.rationale) for o in shown)
        return parts, [e for o in shown for e in o.evidence]

    def reading(self, item: SingleBestItem) -> Reading:
        return Reading(words(*(o.text for o in item.options)), words(*(o.rationale for o in item.options)), 1)

    def sample_responses(self, item: SingleBestItem) -> Samples:
        wrong = next(o.id for o in item.options if not o.correct)
        return Samples({"option": item.correct_option.id}, None, {"option": wrong}, {"option": None})

    def option_sets(self, item: SingleBestItem) -> tuple[OptionSet, ...]:
        return (option_set("options", item.options, one_best=True),)

    # --- interchange formats ---

    def gift_export(self, item: SingleBestItem) -> GiftBody:
        answers, extra = gift_options(item.options, [100.0 if o.correct else 0.0 for o in item.options])
        return GiftBody(answers, extra)

    def gift_import(self, body: GiftBody) -> dict[str, Any] | None:
        if body.matching or not body.one_right:
            return None
        return {"options": options_from_gift(body)}

    def qti_export(self, item: SingleBestItem) -> qx.QtiParts:
        return qx.QtiParts([qx.declaration("RESPONSE", "single", "identifier", [qx.qid(item.correct_option.id)])],
                        [qx.choice_interaction("RESPONSE", item.options, max_choices=1)],
                        [qx.all_or_nothing(["RESPONSE"]), qx.show_feedback(["RESPONSE"])])

    def qti_import(self, body: qx.Element, declarations: Sequence[qx.Element]) -> dict[str, Any] | None:
        read = qx.read_choices(body, declarations, "RESPONSE", single=True)
        return None if read is None else {"options": read}

    def qti_response(self, item: SingleBestItem, response: Response) -> dict[str, Any]:
        return {"RESPONSE": qx.qid(response["option"])}


TYPE = SingleBest()
