"""End-of-module results: pure functions over the content and the stored answers."""

from __future__ import annotations

from dataclasses import dataclass

from cpd.attempts import Answer, AttemptState
from cpd.behaviours.grading import Grade, grade, passed, percent_of, results_note, shown_percent
from cpd.content.loader import LoadedModule
from cpd.content.models import Reference
from cpd.scoring import ItemScore, total


@dataclass(frozen=True)
class Breakdown:
    key: str
    label: str
    points: float
    max_points: float

    @property
    def percent(self) -> float:
        return shown_percent(percent_of([self.points], [self.max_points]))


@dataclass(frozen=True)
class ReadNext:
    reference: Reference
    objectives: tuple[str, ...]  # objective texts of the items missed that cite it


@dataclass(frozen=True)
class Results:
    percent: float  # the score the pass is judged on, as shown (truncated to 0.1 %)
    points: float
    max_points: float
    pass_mark: float
    passed: bool
    by_objective: tuple[Breakdown, ...]
    by_case: tuple[Breakdown, ...]
    pretest_percent: float | None  # on the pre-test items, before the cases
    posttest_percent: float | None  # the same items, answered in the cases
    cbm_average: float | None
    overconfident: int
    missed: tuple[str, ...]  # item ids not fully right
    read_next: tuple[ReadNext, ...]
    grade: Grade | None = None

    @property
    def grading_note(self) -> str:
        """Which score the pass was judged on, where certainty was asked (empty otherwise)."""
        return results_note(self.grade) if self.grade is not None else ""

    @property
    def knowledge_gain(self) -> float | None:
        if self.pretest_percent is None or self.posttest_percent is None:
            return None
        return round(self.posttest_percent - self.pretest_percent, 1)


def _pct(answers: list[Answer]) -> float | None:
    if not sum(a.max_points for a in answers):
        return None
    return shown_percent(percent_of([a.points for a in answers], [a.max_points for a in answers]))


def summarise(loaded: LoadedModule, state: AttemptState) -> Results:
    module = loaded.module
    cases_answers = state.answered("cases")
    objectives = {o.id: o.text for o in module.objectives}
    obj_points = {o: [0.0, 0.0] for o in objectives}
    by_case = []
    for case in loaded.cases:
        pts = mx = 0.0
        for item in case.items():
            a = cases_answers.get(item.id)
            item_max = a.max_points if a else 0.0
            got = a.points if a else 0.0
            pts, mx = pts + got, mx + item_max
            obj_points[item.objective][0] += got
            obj_points[item.objective][1] += item_max
        by_case.append(Breakdown(case.id, case.title, pts, mx))
    scores = [ItemScore(a.points, a.max_points, a.correct, a.cbm_marks) for a in cases_answers.values()]
    totals = total(scores)
    g = grade(scores, module.delivery.grading)

    pre = state.answered("pretest")
    pre_ids = [i for i in module.pretest if i in pre and i in cases_answers]
    pre_pct = _pct([pre[i] for i in pre_ids]) if pre_ids else None
    post_pct = _pct([cases_answers[i] for i in pre_ids]) if pre_ids else None

    missed = tuple(i for i, a in cases_answers.items() if not a.correct)
    index = loaded.item_index()
    reading: dict[str, list[str]] = {}
    for item_id in missed:
        item = index[item_id]
        for ref_id in item.answer_evidence():
            texts = reading.setdefault(ref_id, [])
            if objectives[item.objective] not in texts:
                texts.append(objectives[item.objective])
    return Results(
        percent=g.percent,
        points=totals.points,
        max_points=totals.max_points,
        pass_mark=module.pass_mark,
        passed=passed(g.exact, module.pass_mark),
        by_objective=tuple(Breakdown(o, objectives[o], p, m) for o, (p, m) in obj_points.items()),
        by_case=tuple(by_case),
        pretest_percent=pre_pct,
        posttest_percent=post_pct,
        cbm_average=round(totals.cbm_average, 2) if totals.cbm_average is not None else None,
        overconfident=totals.overconfident,
        missed=missed,
        read_next=tuple(ReadNext(loaded.reference(r), tuple(t)) for r, t in reading.items()),
        grade=g,
    )
