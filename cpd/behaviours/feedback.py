"""Feedback behaviours: when feedback shows and when an answer becomes final.

- ``ImmediateFeedback``: feedback right after each answer; an answer is final once given.
- ``DeferredFeedback``: no feedback until every item is answered; then all of it, with the results.
- ``FacilitatorPaced``: a facilitator opens and closes each item and reveals its feedback to the
  room; a learner may change an answer while the item is open, and it is final once closed.

The pre-test never shows feedback whatever the behaviour: its items come back in the cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cpd.behaviours.navigation import FacilitatorDriven, LinearSelfPaced, Navigation


class Behaviour(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def navigation(self) -> Navigation: ...

    def feedback_after_answer(self, phase: str) -> bool:
        """Show the item's feedback as soon as the answer is stored."""

    def feedback_visible(self, item_id: str, *, answered: bool, phase_done: bool) -> bool:
        """Whether the learner may see this item's feedback now."""

    def may_change(self, item_id: str) -> bool:
        """Whether an answer already given to this item may still be replaced."""


@dataclass(frozen=True)
class ImmediateFeedback:
    name: str = "immediate"
    navigation: Navigation = field(default_factory=LinearSelfPaced)

    def feedback_after_answer(self, phase: str) -> bool:
        return phase == "cases"

    def feedback_visible(self, item_id: str, *, answered: bool, phase_done: bool) -> bool:
        return answered

    def may_change(self, item_id: str) -> bool:
        return False


@dataclass(frozen=True)
class DeferredFeedback:
    name: str = "deferred"
    navigation: Navigation = field(default_factory=LinearSelfPaced)

    def feedback_after_answer(self, phase: str) -> bool:
        return False

    def feedback_visible(self, item_id: str, *, answered: bool, phase_done: bool) -> bool:
        return phase_done

    def may_change(self, item_id: str) -> bool:
        return False


@dataclass(frozen=True)
class FacilitatorPaced:
    """The room's state comes from the facilitator (stored by the workshop, read into this object)."""

    room: FacilitatorDriven
    revealed: frozenset[str] = frozenset()
    name: str = "facilitator"

    @property
    def navigation(self) -> Navigation:
        return self.room

    def feedback_after_answer(self, phase: str) -> bool:
        return False  # the facilitator reveals it to everyone at once

    def feedback_visible(self, item_id: str, *, answered: bool, phase_done: bool) -> bool:
        return item_id in self.revealed

    def may_change(self, item_id: str) -> bool:
        return item_id == self.room.open_item and item_id not in self.room.closed


def for_feedback(feedback: str) -> Behaviour:
    """The self-paced behaviour a module's ``delivery.feedback`` names."""
    if feedback == "deferred":
        return DeferredFeedback()
    if feedback == "immediate":
        return ImmediateFeedback()
    raise ValueError(f"unknown feedback behaviour {feedback!r}")
