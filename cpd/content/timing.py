"""How long a module takes a careful reader: the basis for its CPD hours.

CPD bodies credit the time a typical learner needs, so the claim is derived from
the content rather than guessed: words read (narratives, stems, options, and the
feedback read after each answer) at a careful reading pace for clinical text,
plus thinking time per decision. The assumptions are constants, so a reviewer
can see and change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpd.content.loader import LoadedModule
from cpd.content.models import MatrixItem, RationalePairItem, SelectAllItem, SingleBestItem

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


def _words(*texts: str | None) -> int:
    return sum(len(t.split()) for t in texts if t)


def estimate(loaded: LoadedModule) -> TimeEstimate:
    before = feedback = decisions = certainty = 0
    for case in loaded.cases:
        before += _words(case.title, case.summary)
        for stage in case.stages:
            before += _words(stage.title, stage.narrative)
            for item in stage.items:
                before += _words(item.stem)
                feedback += _words(item.feedback)
                if isinstance(item, (SingleBestItem, SelectAllItem)):
                    before += _words(*(o.text for o in item.options))
                    feedback += _words(*(o.rationale for o in item.options))
                    decisions += 1 if isinstance(item, SingleBestItem) else len(item.options)
                    certainty += isinstance(item, SingleBestItem) and item.certainty
                elif isinstance(item, MatrixItem):
                    before += _words(*(r.text for r in item.rows), *(c.text for c in item.columns))
                    feedback += _words(*(r.rationale for r in item.rows))
                    decisions += len(item.rows)
                elif isinstance(item, RationalePairItem):
                    parts = (*item.actions, *item.reasons)
                    before += _words(item.action_prompt, item.reason_prompt, *(o.text for o in parts))
                    feedback += _words(*(o.rationale for o in parts))
                    decisions += 2
    cbm = SECONDS_PER_CERTAINTY * certainty if loaded.module.delivery.certainty_based_marking else 0
    minutes = (before + FEEDBACK_SHARE * feedback) / WORDS_PER_MINUTE + (SECONDS_PER_DECISION * decisions + cbm) / 60
    return TimeEstimate(before, feedback, decisions, round(minutes, 1))
