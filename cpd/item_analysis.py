"""Classical item analysis: which questions worked. Pure functions over numbers, no database.

The input is one row per participant: for each item, the fraction of its points
they scored (0..1) and the option ids ``classify`` put their answer in, or
``None`` when they did not answer it. What is computed, and why this way:

* **Facility index**: the mean score of those who answered (a proportion right
  for a right/wrong item). Above 0.9 the item tells the room little; below 0.2
  it may be miskeyed or unclear.
* **Discrimination**, two ways: the *corrected* point-biserial (Pearson's r
  between the item's score and the rest score, the total without that item, so
  an item does not correlate with itself), over those who answered; and the
  upper-lower index D (the mean item score of the top 27 % by total minus the
  bottom 27 %; at least one person per group; ties broken by the order given).
  Below 0.2 the item does not separate those who know from those who do not.
* **Reliability**: Cronbach's alpha, ``k/(k-1) * (1 - sum(item variances) /
  variance of totals)`` with population variances; on right/wrong items this
  is KR-20 and is named so. An unanswered item counts 0 in a total; an item
  nobody answered is left out of totals and reliability altogether.
* **Distractors**: per option, how many chose it and their share of those who
  answered; a wrong option nobody chose is flagged (it distracts nobody).

Any figure that cannot be computed (one participant, no variance, nobody
answered) is ``None`` and the item says "not enough data": never a division by
zero, never a made-up 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LOW_DISCRIMINATION = 0.2
TOO_EASY = 0.9
TOO_HARD = 0.2
GROUP_SHARE = 0.27
NOT_ENOUGH = "not enough data"


@dataclass(frozen=True)
class Answer:
    """One participant's answer to one item: the fraction of its points, and the option ids chosen."""

    score: float
    chosen: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OptionInfo:
    """An option of an item; ``keyed`` True (right), False (a distractor) or None (right for some parts only)."""

    id: str
    label: str
    keyed: bool | None


@dataclass(frozen=True)
class ItemInput:
    item_id: str
    label: str
    options: tuple[OptionInfo, ...]
    answers: tuple[Answer | None, ...]  # one per participant, in the same order for every item


@dataclass(frozen=True)
class OptionStats:
    id: str
    label: str
    keyed: bool | None
    chosen_by: int
    share: float | None  # of those who answered the item


@dataclass(frozen=True)
class ItemStats:
    item_id: str
    label: str
    answered: int
    facility: float | None
    point_biserial: float | None
    upper_lower: float | None
    options: tuple[OptionStats, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class TestStats:
    participants: int
    reliability: float | None
    reliability_name: str  # "KR-20" for right/wrong items, else "Cronbach's alpha"
    items: tuple[ItemStats, ...]

    @property
    def reliability_text(self) -> str:
        return f"{self.reliability:.2f}" if self.reliability is not None else NOT_ENOUGH


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def variance(values: Sequence[float]) -> float | None:
    """Population variance (divide by n), as KR-20's p*q is."""
    m = mean(values)
    return None if m is None else sum((v - m) ** 2 for v in values) / len(values)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when fewer than two pairs or either side has no variance."""
    if len(xs) != len(ys) or len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def _score(a: Answer | None) -> float:
    return a.score if a is not None else 0.0


def totals(items: Sequence[ItemInput]) -> list[float]:
    """Each participant's total over the items anyone answered (an unanswered item counts 0)."""
    counted = [i for i in items if any(a is not None for a in i.answers)]
    n = len(items[0].answers) if items else 0
    return [sum(_score(i.answers[p]) for i in counted) for p in range(n)]


def facility(item: ItemInput) -> float | None:
    return mean([a.score for a in item.answers if a is not None])


def point_biserial(item: ItemInput, total: Sequence[float]) -> float | None:
    """Corrected item-total correlation over those who answered: item score against total minus the item."""
    pairs = [(a.score, total[p] - a.score) for p, a in enumerate(item.answers) if a is not None]
    return pearson([x for x, _ in pairs], [y for _, y in pairs])


def upper_lower(item: ItemInput, total: Sequence[float]) -> float | None:
    """D: mean item score of the top 27 % by total minus the bottom 27 % (None below two participants)."""
    n = len(total)
    if n < 2 or not any(a is not None for a in item.answers):
        return None
    g = max(1, round(GROUP_SHARE * n))
    order = sorted(range(n), key=lambda p: -total[p])  # stable: ties keep the order given
    upper, lower = order[:g], order[-g:]
    return sum(_score(item.answers[p]) for p in upper) / g - sum(_score(item.answers[p]) for p in lower) / g


def reliability(items: Sequence[ItemInput]) -> tuple[float | None, str]:
    """Cronbach's alpha (KR-20 when every score is 0 or 1) over the items anyone answered."""
    counted = [i for i in items if any(a is not None for a in i.answers)]
    dichotomous = all(_score(a) in (0.0, 1.0) for i in counted for a in i.answers)
    name = "KR-20" if dichotomous else "Cronbach's alpha"
    k = len(counted)
    n = len(counted[0].answers) if counted else 0
    if k < 2 or n < 2:
        return None, name
    total_var = variance([sum(_score(i.answers[p]) for i in counted) for p in range(n)])
    if not total_var or total_var <= 1e-12:
        return None, name
    item_var = sum(variance([_score(a) for a in i.answers]) or 0.0 for i in counted)
    return k / (k - 1) * (1 - item_var / total_var), name


def options(item: ItemInput) -> tuple[OptionStats, ...]:
    answered = [a for a in item.answers if a is not None]
    out = []
    for o in item.options:
        n = sum(1 for a in answered if o.id in a.chosen)
        out.append(OptionStats(o.id, o.label, o.keyed, n, n / len(answered) if answered else None))
    return tuple(out)


def flags(stats: ItemStats) -> tuple[str, ...]:
    """What an author should look at; "not enough data" where a figure could not be computed."""
    if stats.answered == 0:
        return (NOT_ENOUGH + ": nobody answered",)
    out = []
    if stats.facility is not None and stats.facility > TOO_EASY:
        out.append(f"very easy (facility above {TOO_EASY:g})")
    if stats.facility is not None and stats.facility < TOO_HARD:
        out.append(f"very hard (facility below {TOO_HARD:g})")
    if stats.point_biserial is None:
        out.append(f"discrimination: {NOT_ENOUGH}")
    elif stats.point_biserial < LOW_DISCRIMINATION:
        out.append(f"low discrimination (below {LOW_DISCRIMINATION:g})")
    out += [f"distractor nobody chose: {o.label}" for o in stats.options if o.keyed is False and o.chosen_by == 0]
    return tuple(out)


def analyse(items: Sequence[ItemInput]) -> TestStats:
    """Every figure for every item, and the test's reliability."""
    lengths = {len(i.answers) for i in items}
    if len(lengths) > 1:
        raise ValueError("every item needs one entry per participant, in the same order")
    total = totals(items)
    out = []
    for item in items:
        answered = sum(1 for a in item.answers if a is not None)
        stats = ItemStats(item.item_id, item.label, answered, facility(item),
                          point_biserial(item, total) if answered else None,
                          upper_lower(item, total), options(item), ())
        out.append(ItemStats(**{**stats.__dict__, "flags": flags(stats)}))
    alpha, name = reliability(items)
    return TestStats(len(total), alpha, name, tuple(out))


def fmt(value: float | None) -> str:
    """A figure for a table: two decimals, or "not enough data"."""
    return NOT_ENOUGH if value is None else f"{value:.2f}"
