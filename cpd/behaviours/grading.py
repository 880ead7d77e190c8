"""What the pass mark is judged on, and how a percentage is shown beside it.

Two policies, stated by the module (``delivery.grading``):

- ``accuracy``: the pass is decided on accuracy points; where certainty was asked,
  the certainty-based score is reported beside it and does not count.
- ``certainty_adjusted``: the pass is decided on the certainty-adjusted grade: each
  item counts its certainty-based mark divided by the best mark (3), so a right
  answer at full certainty is worth what it is worth under accuracy and a
  confident wrong answer costs up to twice that; items that do not ask for
  certainty count their raw fraction. Items are weighted by their points.

Shown percentages are truncated, never rounded up, to one decimal: a pass mark
has at most one decimal (the validator refuses more), so a shown score reaches
the pass mark exactly when the exact score does. 163/233 = 69.957... % is shown
as 69.9 %, never "70.0 %" beside "not passed". The decision itself is made on
the exact rational score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from math import floor

from cpd.behaviours.certainty import BEST_MARK
from cpd.items.base import ItemScore

POLICIES = ("accuracy", "certainty_adjusted")


def exact(value: float) -> Fraction:
    """A stored float as the number it stands for (marks like 2 x 2/3 are stored as floats)."""
    return Fraction(value).limit_denominator(10**6)


def shown_percent(value: Fraction) -> float:
    """Truncated to one decimal (toward minus infinity), so it never shows a pass the exact score misses."""
    return floor(value * 10) / 10


def passed(percent: Fraction | float, pass_mark: float) -> bool:
    """Exact comparison: the pass mark is read as the decimal the author wrote."""
    value = percent if isinstance(percent, Fraction) else Fraction(str(percent))
    return value >= Fraction(str(pass_mark))


def percent_of(points: Iterable[float], max_points: Iterable[float]) -> Fraction:
    mx = sum((exact(m) for m in max_points), Fraction(0))
    return 100 * sum((exact(p) for p in points), Fraction(0)) / mx if mx else Fraction(0)


@dataclass(frozen=True)
class Grade:
    policy: str
    exact: Fraction  # the judged percentage, exactly: what the pass decision uses
    accuracy: Fraction
    certainty_adjusted: Fraction | None  # None where no item asked for certainty

    @property
    def percent(self) -> float:
        """The judged percentage as shown."""
        return shown_percent(self.exact)

    @property
    def accuracy_percent(self) -> float:
        return shown_percent(self.accuracy)

    @property
    def certainty_percent(self) -> float | None:
        return shown_percent(self.certainty_adjusted) if self.certainty_adjusted is not None else None


def grade(scores: Iterable[ItemScore], policy: str, available: float | None = None) -> Grade:
    """Grade answered items; ``available`` overrides the accuracy denominator (unanswered items count 0)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown grading policy {policy!r}")
    scores = list(scores)
    accuracy = percent_of([s.points for s in scores], [available] if available is not None else [s.max_points for s in scores])
    adjusted: Fraction | None = None
    if any(s.cbm_marks is not None for s in scores):
        weight = sum((exact(s.max_points) for s in scores), Fraction(0))
        if available is not None:
            weight = exact(available)
        earned = sum(
            (exact(s.max_points) * (exact(s.cbm_marks) / BEST_MARK if s.cbm_marks is not None else exact(s.fraction))
             for s in scores),
            Fraction(0),
        )
        adjusted = 100 * earned / weight if weight else Fraction(0)
    judged = adjusted if policy == "certainty_adjusted" and adjusted is not None else accuracy
    return Grade(policy, judged, accuracy, adjusted)


def start_page_note(policy: str, certainty_based_marking: bool) -> str:
    """What the start page says about certainty and the pass, in the module's own terms."""
    if not certainty_based_marking:
        return ""
    if policy == "certainty_adjusted":
        return ("Some questions ask how sure you are. The pass is decided on your certainty-adjusted score: "
                "confident wrong answers cost marks. ")
    return ("Some questions ask how sure you are. The pass is decided on accuracy alone; your certainty-based "
            "score is reported beside it, to show where confidence ran ahead of knowledge. ")


def certainty_question_note(policy: str) -> str:
    """Beside "How sure are you?": what the answer to it does to the score, in the module's own terms.

    The start page says it once; the learner decides how sure to be at each question, so it is said there too.
    """
    if policy == "certainty_adjusted":
        return ("These marks count towards your pass: the pass is decided on your certainty-adjusted score, "
                "so a confident wrong answer costs more than an unsure one.")
    return ("The pass is decided on accuracy alone: these marks are reported beside your score, to show where "
            "confidence ran ahead of knowledge, and do not count towards the pass.")


def results_note(g: Grade) -> str:
    """One sentence beside the pass decision: which score it was judged on."""
    if g.certainty_adjusted is None:
        return ""
    if g.policy == "certainty_adjusted":
        return f"The pass is decided on the certainty-adjusted score (accuracy alone: {g.accuracy_percent:g} %)."
    return (f"The pass is decided on accuracy; the certainty-adjusted score ({g.certainty_percent:g} %) "
            "is reported, not counted.")
