""""Do X because Y": a point only when both the action and the reason are right.

Response: ``{"action": "a2", "reason": "r1"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from cpd.content.fields import Text
from cpd.items.base import (
    Choice,
    Classified,
    ItemBase,
    ItemScore,
    ItemType,
    Option,
    OptionSet,
    Order,
    PartFeedback,
    Reading,
    Response,
    Samples,
    option_set,
    pick,
    words,
)

PARTS = (("actions", "action"), ("reasons", "reason"))


class RationalePairItem(ItemBase):
    type: Literal["rationale_pair"]
    action_prompt: Text = "What do you do?"
    reason_prompt: Text = "Why?"
    actions: list[Option] = Field(min_length=2)
    reasons: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_correct_each(self) -> RationalePairItem:
        for part, _ in PARTS:
            n = sum(o.correct for o in getattr(self, part))
            if n != 1:
                what = "no correct answer" if n == 0 else f"{n} correct options"
                raise ValueError(f"{part}: {what}; mark exactly one option correct: true")
        return self

    def answer_evidence(self) -> list[str]:
        return [
            *self.evidence,
            *(e for part in (self.actions, self.reasons) for o in part if o.correct for e in o.evidence),
        ]


@dataclass(frozen=True)
class PairView:
    action_prompt: str
    actions: tuple[Choice, ...]
    reason_prompt: str
    reasons: tuple[Choice, ...]


def _right(options: list[Option]) -> str:
    return next(o.id for o in options if o.correct)


def _other(options: list[Option]) -> str:
    return next(o.id for o in options if not o.correct)


class RationalePair(ItemType[RationalePairItem]):
    name = "rationale_pair"
    label = "rationale pair (do X because Y)"
    model = RationalePairItem

    def public_view(self, item: RationalePairItem, order: Order) -> PairView:
        return PairView(item.action_prompt, order([Choice(o.id, o.text) for o in item.actions], item.id + ":a"),
                        item.reason_prompt, order([Choice(o.id, o.text) for o in item.reasons], item.id + ":r"))

    def incomplete(self, item: RationalePairItem, response: Response) -> str | None:
        if response.get("action") is None:
            return "choose an action"
        if response.get("reason") is None:
            return "choose a reason"
        return None

    def score(self, item: RationalePairItem, response: Response) -> ItemScore:
        """One point only when both the action and its reason are right."""
        action = pick(response.get("action"), [o.id for o in item.actions], "action")
        reason = pick(response.get("reason"), [o.id for o in item.reasons], "reason")
        a_ok = next(o for o in item.actions if o.id == action).correct
        r_ok = next(o for o in item.reasons if o.id == reason).correct
        right = a_ok and r_ok
        return ItemScore(float(right), 1.0, right, parts={action: a_ok, reason: r_ok})

    def max_points(self, item: RationalePairItem) -> float:
        return 1.0

    def classify(self, item: RationalePairItem, response: Response) -> tuple[Classified, ...]:
        return tuple(Classified(key, o.id, float(o.correct))
                     for field, key in PARTS for o in getattr(item, field) if o.id == response.get(key))

    def feedback_parts(self, item: RationalePairItem, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        parts: list[PartFeedback] = []
        cited: list[str] = []
        for field, key in PARTS:
            for o in getattr(item, field):
                if o.id == response.get(key) or o.correct:
                    parts.append(PartFeedback(o.text, None, None, o.correct, o.id == response.get(key), o.rationale))
                    cited += o.evidence
        return tuple(parts), cited

    def reading(self, item: RationalePairItem) -> Reading:
        options = (*item.actions, *item.reasons)
        return Reading(words(item.action_prompt, item.reason_prompt, *(o.text for o in options)),
                       words(*(o.rationale for o in options)), 2)

    def sample_responses(self, item: RationalePairItem) -> Samples:
        # No partial credit: the right action for a wrong reason scores nothing (that is the point of the type).
        right = {"action": _right(item.actions), "reason": _right(item.reasons)}
        return Samples(right, None, {**right, "reason": _other(item.reasons)}, {"action": right["action"]})

    def option_sets(self, item: RationalePairItem) -> tuple[OptionSet, ...]:
        return tuple(option_set(field, getattr(item, field), one_best=True) for field, _ in PARTS)

    def lead_ins(self, item: RationalePairItem) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        return ((("stem",), item.stem), (("action_prompt",), item.action_prompt), (("reason_prompt",), item.reason_prompt))


TYPE = RationalePair()
