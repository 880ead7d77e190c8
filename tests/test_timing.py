"""The time estimate behind CPD hours follows the words and decisions in the content."""

from cpd.content.loader import LoadedModule
from cpd.content.timing import SECONDS_PER_DECISION, WORDS_PER_MINUTE, TimeEstimate, estimate


def test_estimate_counts_words_and_decisions_of_every_item(mini: LoadedModule):
    est = estimate(mini)
    # 1 single best + 4 select-all options + 2 matrix rows + 2 parts of the pair
    assert est.decisions == 9
    expected = (est.words_before + est.words_feedback) / WORDS_PER_MINUTE + (SECONDS_PER_DECISION * 9 + 5) / 60
    assert est.minutes == round(expected, 1)


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
