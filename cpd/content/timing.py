"""How long a module takes a careful reader: the basis for its CPD hours.

CPD bodies credit the time a typical learner needs, so the claim is derived from
the content rather than guessed: words read (narratives, stems, options, and the
feedback read after each answer) at a careful reading pace for clinical text,
plus thinking time per decision. The assumptions are constants, so a reviewer
can see and change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpd.behaviours.certainty import asks_certainty
from cpd.content.loader import LoadedModule
from cpd.items.base import words
from cpd.items.registry import type_of

WORDS_PER_MINUTE = 180  # careful reading of unfamiliar clinical text (adult non-fiction is ~240)
SECONDS_PER_DECISION = 20  # weighing one choice: one per single answer, per row, per part of a pair
SECONDS_PER_CERTAINTY = 5
FEEDBACK_SHARE = 1.0  # feedback is read in full: it is where most of the teaching happens


@dataclass(frozen=True)
class TimeEstimate:
    words_before: int  # read to answer
    words_feedback: int
    decisions: int
    minutes: float

    @property
    def cpd_hours(self) -> float:
        """To the nearest quarter hour (credit is claimed in 0.25 h steps), at least 0.25 h."""
        return max(1, round(self.minutes / 15)) / 4


def estimate(loaded: LoadedModule) -> TimeEstimate:
    before = feedback = decisions = certainty = 0
    cbm_on = loaded.module.delivery.certainty_based_marking
    for case in loaded.cases:
        before += words(case.title, case.summary)
        for stage in case.stages:
            before += words(stage.title, stage.narrative)
            for item in stage.items:
                reading = type_of(item).reading(item)
                before += words(item.stem) + reading.words_before
                feedback += words(item.feedback) + reading.words_feedback
                decisions += reading.decisions
                certainty += asks_certainty(item, cbm_on)
    minutes = (before + FEEDBACK_SHARE * feedback) / WORDS_PER_MINUTE + (SECONDS_PER_DECISION * decisions + SECONDS_PER_CERTAINTY * certainty) / 60
    return TimeEstimate(before, feedback, decisions, round(minutes, 1))
