"""The time estimate behind CPD hours follows the words and decisions in the content."""

from cpd.content.loader import LoadedModule
from cpd.content.models import Case, Stage
from cpd.content.timing import WORDS_PER_MINUTE, TimeEstimate, estimate
from cpd.items.base import Option
from cpd.items.single_best import SingleBestItem


def _one_item_module(mini: LoadedModule, *, certainty: bool) -> LoadedModule:
    """A case of exactly 180 words to read before answering and 18 in the feedback, one decision."""
    item = SingleBestItem(
        type="single_best", id="q", objective="lo-source", stem="Which one now?", evidence=["ref-verified"],
        certainty=certainty,
        options=[Option(id="a", text="This one", correct=True, rationale="one two three four five six seven eight nine"),
                 Option(id="b", text="That one", rationale="one two three four five six seven eight nine")],
    )
    stage = Stage(id="s", title="Stage", narrative=" ".join(["word"] * 170), items=[item])
    case = Case(id="c", title="Case", summary="One", stages=[stage])
    return LoadedModule(mini.module, (case,), "x")


def test_the_estimate_is_reading_time_plus_thinking_time():
    """180 words before (1 min) + 18 words of feedback (0.1 min) + one decision (20 s) = 1.43 min."""
    from conftest import FIXTURE_CONTENT

    from cpd.content.loader import load_module

    mini = load_module([FIXTURE_CONTENT], "mini")
    est = estimate(_one_item_module(mini, certainty=False))
    assert (est.words_before, est.words_feedback, est.decisions, est.minutes) == (180, 18, 1, 1.4)
    # Asking how sure adds 5 s where the module marks by certainty: 1.52 min.
    assert estimate(_one_item_module(mini, certainty=True)).minutes == 1.5


def test_every_item_type_counts_its_decisions(mini: LoadedModule):
    # 1 single best + 4 select-all options + 2 matrix rows + 2 parts of the pair
    assert estimate(mini).decisions == 9


def test_longer_narratives_take_longer(mini: LoadedModule):
    case = mini.cases[0]
    stage = case.stages[0].model_copy(update={"narrative": case.stages[0].narrative + " word" * 360})
    longer = case.model_copy(update={"stages": [stage, *case.stages[1:]]})
    est = estimate(LoadedModule(mini.module, (longer,), "x"))
    assert est.minutes == round(estimate(mini).minutes + 360 / WORDS_PER_MINUTE, 1)


def test_cpd_hours_are_the_nearest_quarter_hour_and_never_zero():
    assert TimeEstimate(0, 0, 0, 4.0).cpd_hours == 0.25
    assert TimeEstimate(0, 0, 0, 15.1).cpd_hours == 0.25
    assert TimeEstimate(0, 0, 0, 23.0).cpd_hours == 0.5
    assert TimeEstimate(0, 0, 0, 75.4).cpd_hours == 1.25


def test_the_shipped_module_claims_the_hours_its_content_takes():
    from pathlib import Path

    from cpd.content.loader import load_module

    root = Path(__file__).resolve().parent.parent
    loaded = load_module([root / "modules", root / "questions"], "exosome-safety")
    est = estimate(loaded)
    assert loaded.module.cpd_hours == est.cpd_hours
    assert abs(loaded.module.estimated_minutes - est.minutes) <= 10
