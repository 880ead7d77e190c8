""""Do X because Y": a point only when both the action and the reason are right.

Response: ``{"action": "a2", "reason": "r1"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from cpd.content.fields import Text
from cpd.interop import qti_xml as qx
from cpd.interop.gift_model import GiftAnswer, GiftBody
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
    response_keys = ("action", "reason")
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

    # --- interchange formats ---

    def gift_export(self, item: RationalePairItem) -> GiftBody:
        # GIFT has no two-part question: one choice among every action-and-reason pair, right only for the right pair.
        answers = tuple(
            GiftAnswer(f"{a.text} because {r.text}", 100.0 if a.correct and r.correct else 0.0,
                       f"{a.rationale} {r.rationale}")
            for a in item.actions for r in item.reasons
        )
        extra = item.model_dump(mode="json", include={"action_prompt", "reason_prompt", "actions", "reasons"})
        n = len(answers)
        return GiftBody(answers, extra, lossy=f"a rationale pair becomes one single-answer GIFT question over all {n} "
                        "action-and-reason pairs (same score: a point only for the right pair); the two parts travel "
                        "in the @cpd comment")

    def gift_import(self, body: GiftBody) -> dict[str, Any] | None:
        if "actions" not in body.extra:
            return None  # a foreign GIFT question never reads as a pair: it has no parts to split
        return {k: body.extra[k] for k in ("action_prompt", "reason_prompt", "actions", "reasons") if k in body.extra}

    def qti_export(self, item: RationalePairItem) -> qx.QtiParts:
        return qx.QtiParts(
            [qx.declaration("ACTION", "single", "identifier", [qx.qid(_right(item.actions))]),
             qx.declaration("REASON", "single", "identifier", [qx.qid(_right(item.reasons))])],
            [qx.choice_interaction("ACTION", item.actions, max_choices=1, prompt=item.action_prompt),
             qx.choice_interaction("REASON", item.reasons, max_choices=1, prompt=item.reason_prompt)],
            [qx.all_or_nothing(["ACTION", "REASON"]), qx.show_feedback(["ACTION", "REASON"])],
        )

    def qti_import(self, body: qx.Element, declarations: Sequence[qx.Element]) -> dict[str, Any] | None:
        actions = qx.read_choices(body, declarations, "ACTION", single=True)
        reasons = qx.read_choices(body, declarations, "REASON", single=True)
        if actions is None or reasons is None:
            return None
        prompts = {i.get("response-identifier"): qx.prompt_of(i) for i in body.iter(qx.Q + "qti-choice-interaction")}
        return {"action_prompt": prompts["ACTION"], "reason_prompt": prompts["REASON"], "actions": actions, "reasons": reasons}

    def qti_response(self, item: RationalePairItem, response: Response) -> dict[str, Any]:
        return {"ACTION": qx.qid(response["action"]), "REASON": qx.qid(response["reason"])}


TYPE = RationalePair()
