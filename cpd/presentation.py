"""What the learner's browser may see of an item, and the feedback after it.

``public_item`` is built from the item type's public view, which holds ids and
texts only (no key, no rationale): pages render only this before an answer is
submitted, so the key never reaches the browser or the session state.
``feedback`` is built only from a stored answer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cpd.behaviours.certainty import asks_certainty
from cpd.behaviours.grading import certainty_question_note
from cpd.content.loader import LoadedModule
from cpd.content.models import Item, Reference
from cpd.items.base import Choice, Order, PartFeedback, as_shown
from cpd.items.registry import type_of

__all__ = ["Choice", "Feedback", "PartFeedback", "PublicItem", "feedback", "public_item"]


@dataclass(frozen=True)
class PublicItem:
    id: str
    type: str
    stem: str
    asks_certainty: bool
    view: Any  # the item type's public view (e.g. OptionsView): ids and texts in this attempt's order
    certainty_note: str = ""  # how the certainty answer affects the score (the module's grading policy)


def attempt_order(seed: int, shuffle: bool) -> Order:
    """This attempt's order of an item's choices: seeded by the attempt, so a refresh keeps it."""
    if not shuffle:
        return as_shown

    def order(choices: list[Choice], salt: str) -> tuple[Choice, ...]:
        choices = list(choices)
        random.Random(f"{seed}:{salt}").shuffle(choices)
        return tuple(choices)

    return order


def public_item(loaded: LoadedModule, item: Item, seed: int) -> PublicItem:
    """The item as shown before submission: text and ids only, in this attempt's order."""
    delivery = loaded.module.delivery
    view = type_of(item).public_view(item, attempt_order(seed, delivery.shuffle_options))
    certainty = asks_certainty(item, delivery.certainty_based_marking)
    note = certainty_question_note(delivery.grading) if certainty else ""
    return PublicItem(item.id, item.type, item.stem, certainty, view, note)


@dataclass(frozen=True)
class Feedback:
    item_id: str
    correct: bool
    points: float
    max_points: float
    cbm_marks: float | None
    certainty: int | None
    parts: tuple[PartFeedback, ...]
    general: str | None
    references: tuple[Reference, ...]


def _refs(loaded: LoadedModule, ids: list[str]) -> tuple[Reference, ...]:
    seen: dict[str, Reference] = {}
    for ref_id in ids:
        if ref_id not in seen:
            seen[ref_id] = loaded.reference(ref_id)
    return tuple(seen.values())


def feedback(loaded: LoadedModule, item: Item, answer: Any) -> Feedback:
    """Feedback for a stored answer: each chosen option's rationale, the right one's, and the evidence."""
    response: Mapping[str, Any] = answer.response
    parts, cited = type_of(item).feedback_parts(item, response)
    return Feedback(
        item.id, answer.correct, answer.points, answer.max_points, answer.cbm_marks, answer.certainty,
        parts, item.feedback, _refs(loaded, [*item.evidence, *cited]),
    )
