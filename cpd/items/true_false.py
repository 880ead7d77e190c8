"""True or false: one statement, judged true or false; 1 point or 0.

Response: ``{"answer": "true"}`` (or ``"false"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cpd.content.fields import Text
from cpd.items.base import (
    Classified,
    ItemBase,
    ItemScore,
    ItemType,
    Order,
    PartFeedback,
    Reading,
    Response,
    Samples,
    pick,
    words,
)

ANSWERS = ("true", "false")


class TrueFalseItem(ItemBase):
    type: Literal["true_false"]
    answer: bool
    rationale: Text  # why the statement is true or false


@dataclass(frozen=True)
class TrueFalseView:
    statement: str


class TrueFalse(ItemType[TrueFalseItem]):
    name = "true_false"
    label = "true or false"
    model = TrueFalseItem

    def public_view(self, item: TrueFalseItem, order: Order) -> TrueFalseView:
        return TrueFalseView(item.stem)

    def incomplete(self, item: TrueFalseItem, response: Response) -> str | None:
        return "choose true or false" if response.get("answer") is None else None

    def score(self, item: TrueFalseItem, response: Response) -> ItemScore:
        chosen = pick(response.get("answer"), ANSWERS, "answer: true or false")
        right = (chosen == "true") == item.answer
        return ItemScore(float(right), 1.0, right, parts={chosen: right})

    def max_points(self, item: TrueFalseItem) -> float:
        return 1.0

    def classify(self, item: TrueFalseItem, response: Response) -> tuple[Classified, ...]:
        chosen = response.get("answer")
        return (Classified("", chosen, float((chosen == "true") == item.answer)),) if chosen in ANSWERS else ()

    def feedback_parts(self, item: TrueFalseItem, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        right = "true" if item.answer else "false"
        chosen = response.get("answer")
        return (PartFeedback(item.stem, chosen, right, chosen == right, True, item.rationale),), []

    def reading(self, item: TrueFalseItem) -> Reading:
        return Reading(words(*ANSWERS), words(item.rationale), 1)

    def sample_responses(self, item: TrueFalseItem) -> Samples:
        right = "true" if item.answer else "false"
        wrong = "false" if item.answer else "true"
        return Samples({"answer": right}, None, {"answer": wrong}, {"answer": "maybe"})


TYPE = TrueFalse()
