"""What comes next: a policy, so self-paced and facilitator-paced delivery share one engine.

``LinearSelfPaced`` walks the items in order, each once. ``FacilitatorDriven``
serves whichever item the facilitator has open (a workshop), so a learner cannot
run ahead or go back to a closed item.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol


class Navigation(Protocol):
    def current(self, sequence: Sequence[str], answered: Collection[str]) -> str | None:
        """The item the learner may answer now, or None."""

    def phase_done(self, sequence: Sequence[str], answered: Collection[str]) -> bool:
        """Whether the phase is over (scores can be totalled)."""


@dataclass(frozen=True)
class LinearSelfPaced:
    def current(self, sequence: Sequence[str], answered: Collection[str]) -> str | None:
        return next((i for i in sequence if i not in answered), None)

    def phase_done(self, sequence: Sequence[str], answered: Collection[str]) -> bool:
        return all(i in answered for i in sequence)


@dataclass(frozen=True)
class FacilitatorDriven:
    """The facilitator's room state: which item is open now and which are closed for good."""

    open_item: str | None
    closed: frozenset[str] = frozenset()

    def current(self, sequence: Sequence[str], answered: Collection[str]) -> str | None:
        return self.open_item if self.open_item in sequence and self.open_item not in self.closed else None

    def phase_done(self, sequence: Sequence[str], answered: Collection[str]) -> bool:
        return all(i in self.closed for i in sequence)
