"""Scoring rules, one behaviour per test.

Items are built with the content models directly (small constructors below), so
each test shows the item it scores. Responses are the plain dicts the store keeps.
"""

from __future__ import annotations

import pytest

from cpd.items.base import Option
from cpd.items.matrix import MatrixColumn, MatrixItem, MatrixRow
from cpd.items.rationale_pair import RationalePairItem
from cpd.items.select_all import SelectAllItem
from cpd.items.single_best import SingleBestItem
from cpd.scoring import (
    CBM_MARKS,
    InvalidResponse,
    ItemScore,
    max_points,
    passed,
    score_item,
    total,
)

# --------------------------------------------------------------------------- helpers


def opt(id: str, correct: bool = False) -> Option:
    return Option(id=id, text=f"option {id}", correct=correct, rationale=f"why {id}")


def single_best(correct: str = "a", ids: str = "abc", *, certainty: bool = False) -> SingleBestItem:
    return SingleBestItem(
        type="single_best",
        id="q-sb",
        objective="lo",
        stem="Which one?",
        evidence=["ref"],
        certainty=certainty,
        options=[opt(i, i == correct) for i in ids],
    )


def select_all(correct: str = "ab", ids: str = "abcd") -> SelectAllItem:
    """Default: a and b are right, c and d are wrong."""
    return SelectAllItem(
        type="select_all",
        id="q-sa",
        objective="lo",
        stem="Which apply?",
        evidence=["ref"],
        options=[opt(i, i in correct) for i in ids],
    )


def matrix(answers: dict[str, str] | None = None, *, certainty: bool = False) -> MatrixItem:
    """Default: three rows, r1 -> report, r2 -> watch, r3 -> report."""
    answers = answers or {"r1": "report", "r2": "watch", "r3": "report"}
    return MatrixItem(
        type="matrix",
        id="q-mx",
        objective="lo",
        stem="For each finding?",
        evidence=["ref"],
        certainty=certainty,
        columns=[MatrixColumn(id="report", text="Report"), MatrixColumn(id="watch", text="Watch")],
        rows=[MatrixRow(id=r, text=f"row {r}", answer=col, rationale=f"why {r}") for r, col in answers.items()],
    )


def rationale_pair() -> RationalePairItem:
    """Right action a1, right reason r1."""
    return RationalePairItem(
        type="rationale_pair",
        id="q-rp",
        objective="lo",
        stem="What and why?",
        evidence=["ref"],
        actions=[opt("a1", True), opt("a2")],
        reasons=[opt("r1", True), opt("r2")],
    )


def cbm_score(correct: bool, certainty: int) -> ItemScore:
    """Score a certainty-marked single best item, answered right or wrong."""
    item = single_best("a", certainty=True)
    return score_item(item, {"option": "a" if correct else "b"}, certainty, module_cbm=True)


# --------------------------------------------------------------------------- single best


class TestSingleBest:
    def test_the_correct_option_scores_one_point(self):
        s = score_item(single_best("b"), {"option": "b"})
        assert (s.points, s.max_points, s.correct) == (1.0, 1.0, True)

    def test_a_wrong_option_scores_zero(self):
        s = score_item(single_best("b"), {"option": "c"})
        assert (s.points, s.max_points, s.correct) == (0.0, 1.0, False)

    def test_parts_record_the_chosen_option_and_whether_it_was_right(self):
        assert score_item(single_best("a"), {"option": "c"}).parts == {"c": False}

    def test_an_option_the_item_does_not_have_is_rejected(self):
        with pytest.raises(InvalidResponse):
            score_item(single_best(), {"option": "z"})

    @pytest.mark.parametrize("response", [{}, {"option": None}, {"option": ""}], ids=["no-key", "none", "empty"])
    def test_a_response_without_an_option_is_rejected(self, response):
        with pytest.raises(InvalidResponse):
            score_item(single_best(), response)

    def test_an_option_that_is_not_a_string_is_rejected(self):
        with pytest.raises(InvalidResponse):
            score_item(single_best(), {"option": ["a"]})


# --------------------------------------------------------------------------- select all


class TestSelectAll:
    """+1 per right option chosen, -1 per wrong option chosen, floored at zero."""

    def test_selecting_nothing_scores_zero_out_of_the_number_of_correct_options(self):
        s = score_item(select_all("ab"), {"options": []})
        assert (s.points, s.max_points, s.correct) == (0.0, 2.0, False)

    def test_a_response_without_the_options_key_counts_as_nothing_selected(self):
        assert score_item(select_all("ab"), {}).points == 0.0

    def test_exactly_the_correct_options_score_the_maximum_and_are_fully_right(self):
        s = score_item(select_all("ab"), {"options": ["b", "a"]})
        assert (s.points, s.max_points, s.correct) == (2.0, 2.0, True)

    @pytest.mark.parametrize(
        ("correct", "ids", "expected"),
        [
            ("ab", "abcd", 0.0),  # 2 right - 2 wrong
            ("abc", "abcd", 2.0),  # 3 right - 1 wrong
            ("a", "abcd", 0.0),  # 1 right - 3 wrong, floored
        ],
    )
    def test_selecting_every_option_scores_correct_minus_wrong_floored_at_zero(self, correct, ids, expected):
        s = score_item(select_all(correct, ids), {"options": list(ids)})
        assert s.points == expected == max(0, len(correct) - (len(ids) - len(correct)))
        assert s.correct is False

    def test_one_wrong_option_among_the_right_ones_costs_a_point(self):
        s = score_item(select_all("abc", "abcde"), {"options": ["a", "b", "c", "d"]})
        assert (s.points, s.max_points, s.correct) == (2.0, 3.0, False)

    def test_a_missed_right_option_is_not_penalised_beyond_the_missing_point(self):
        s = score_item(select_all("ab"), {"options": ["a"]})
        assert (s.points, s.correct) == (1.0, False)

    def test_the_score_never_goes_below_zero(self):
        s = score_item(select_all("a", "abcd"), {"options": ["b", "c", "d"]})
        assert s.points == 0.0

    def test_a_duplicated_option_id_in_the_response_counts_once(self):
        right_twice = score_item(select_all("ab"), {"options": ["a", "a"]})
        assert right_twice.points == 1.0
        wrong_twice = score_item(select_all("ab"), {"options": ["a", "b", "c", "c"]})
        assert wrong_twice.points == 1.0  # 2 right - 1 wrong, not 2 - 2
        exact_with_repeat = score_item(select_all("ab"), {"options": ["a", "b", "b"]})
        assert (exact_with_repeat.points, exact_with_repeat.correct) == (2.0, True)

    def test_an_unknown_option_is_rejected(self):
        with pytest.raises(InvalidResponse, match="unknown option 'z'"):
            score_item(select_all(), {"options": ["a", "z"]})

    @pytest.mark.parametrize("options", ["a", None, {"a": True}, ["a", 1]], ids=["string", "none", "dict", "non-string-id"])
    def test_options_that_are_not_a_list_of_ids_are_rejected(self, options):
        with pytest.raises(InvalidResponse):
            score_item(select_all(), {"options": options})

    def test_parts_say_for_every_option_whether_it_was_handled_rightly(self):
        s = score_item(select_all("ab"), {"options": ["a", "c"]})
        assert s.parts == {"a": True, "b": False, "c": False, "d": True}

    def test_max_points_without_a_response_is_the_number_of_correct_options(self):
        assert max_points(select_all("abc", "abcde")) == 3.0


# --------------------------------------------------------------------------- matrix


class TestMatrix:
    """Each row scores 0 or 1; the rows are summed."""

    def test_every_row_right_scores_the_number_of_rows(self):
        s = score_item(matrix(), {"rows": {"r1": "report", "r2": "watch", "r3": "report"}})
        assert (s.points, s.max_points, s.correct) == (3.0, 3.0, True)

    def test_each_row_scores_independently_and_the_rows_are_summed(self):
        s = score_item(matrix(), {"rows": {"r1": "report", "r2": "report", "r3": "report"}})
        assert (s.points, s.max_points, s.correct) == (2.0, 3.0, False)
        assert s.parts == {"r1": True, "r2": False, "r3": True}

    def test_an_unanswered_row_scores_zero(self):
        s = score_item(matrix(), {"rows": {"r1": "report", "r3": "report"}})
        assert (s.points, s.correct) == (2.0, False)
        assert s.parts["r2"] is False

    def test_a_row_answered_with_none_counts_as_unanswered(self):
        s = score_item(matrix(), {"rows": {"r1": "report", "r2": None, "r3": "report"}})
        assert s.points == 2.0

    def test_no_rows_answered_scores_zero(self):
        assert score_item(matrix(), {}).points == 0.0
        assert score_item(matrix(), {"rows": {}}).points == 0.0

    def test_an_unknown_row_is_rejected(self):
        with pytest.raises(InvalidResponse, match="unknown row 'r9'"):
            score_item(matrix(), {"rows": {"r1": "report", "r9": "watch"}})

    def test_an_unknown_column_is_rejected(self):
        with pytest.raises(InvalidResponse, match="unknown column 'ignore'"):
            score_item(matrix(), {"rows": {"r1": "ignore"}})

    def test_a_cell_that_is_not_a_column_id_is_rejected_as_an_invalid_response(self):
        with pytest.raises(InvalidResponse):
            score_item(matrix(), {"rows": {"r1": ["report"]}})

    def test_rows_that_are_not_a_mapping_are_rejected(self):
        with pytest.raises(InvalidResponse):
            score_item(matrix(), {"rows": ["report", "watch", "report"]})

    def test_max_points_without_a_response_is_the_number_of_rows(self):
        assert max_points(matrix()) == 3.0


# --------------------------------------------------------------------------- rationale pair


class TestRationalePair:
    """One point only when both the action and the reason are right."""

    def test_right_action_and_right_reason_score_one(self):
        s = score_item(rationale_pair(), {"action": "a1", "reason": "r1"})
        assert (s.points, s.max_points, s.correct) == (1.0, 1.0, True)

    def test_right_action_with_a_wrong_reason_scores_zero(self):
        s = score_item(rationale_pair(), {"action": "a1", "reason": "r2"})
        assert (s.points, s.correct) == (0.0, False)
        assert s.parts == {"a1": True, "r2": False}

    def test_wrong_action_with_the_right_reason_scores_zero(self):
        s = score_item(rationale_pair(), {"action": "a2", "reason": "r1"})
        assert (s.points, s.correct) == (0.0, False)
        assert s.parts == {"a2": False, "r1": True}

    def test_both_wrong_scores_zero(self):
        assert score_item(rationale_pair(), {"action": "a2", "reason": "r2"}).points == 0.0

    @pytest.mark.parametrize(
        "response",
        [
            {"action": "a1"},
            {"reason": "r1"},
            {"action": "r1", "reason": "r1"},  # a reason id given as the action
            {"action": "a1", "reason": "a1"},
            {"action": "a9", "reason": "r1"},
        ],
        ids=["no-reason", "no-action", "reason-as-action", "action-as-reason", "unknown-action"],
    )
    def test_a_missing_or_unknown_part_is_rejected(self, response):
        with pytest.raises(InvalidResponse):
            score_item(rationale_pair(), response)

    def test_max_points_is_one(self):
        assert max_points(rationale_pair()) == 1.0


# --------------------------------------------------------------------------- certainty-based marking


class TestCertaintyBasedMarking:
    """Moodle's CBM: certainty 1 -> +1/0, 2 -> +2/-2, 3 -> +3/-6."""

    @pytest.mark.parametrize(
        ("certainty", "if_right", "if_wrong"),
        [(1, 1, 0), (2, 2, -2), (3, 3, -6)],
    )
    def test_the_mark_at_each_certainty_level(self, certainty, if_right, if_wrong):
        assert cbm_score(True, certainty).cbm_marks == if_right
        assert cbm_score(False, certainty).cbm_marks == if_wrong
        assert CBM_MARKS[certainty] == (if_right, if_wrong)

    def test_certainty_does_not_change_the_accuracy_points(self):
        for c in (1, 2, 3):
            assert (cbm_score(True, c).points, cbm_score(False, c).points) == (1.0, 0.0)

    def test_certainty_is_required_when_the_item_and_the_module_both_ask_for_it(self):
        with pytest.raises(InvalidResponse):
            score_item(single_best(certainty=True), {"option": "a"}, None, module_cbm=True)

    @pytest.mark.parametrize("certainty", [0, 4, -1])
    def test_a_certainty_outside_1_to_3_is_rejected(self, certainty):
        with pytest.raises(InvalidResponse):
            score_item(single_best(certainty=True), {"option": "a"}, certainty, module_cbm=True)

    def test_certainty_is_ignored_when_the_module_switch_is_off(self):
        item = single_best(certainty=True)
        assert score_item(item, {"option": "a"}, 3, module_cbm=False).cbm_marks is None
        # not required either, and an out-of-range value is not even looked at
        assert score_item(item, {"option": "b"}, None, module_cbm=False).cbm_marks is None
        assert score_item(item, {"option": "b"}, 4, module_cbm=False).points == 0.0

    def test_certainty_is_ignored_when_the_item_does_not_ask_for_it(self):
        item = single_best(certainty=False)
        assert score_item(item, {"option": "a"}, 3, module_cbm=True).cbm_marks is None
        assert score_item(item, {"option": "a"}, None, module_cbm=True).points == 1.0

    @pytest.mark.parametrize(
        ("item", "response"),
        [
            (select_all(), {"options": ["a", "b"]}),
            (matrix(), {"rows": {"r1": "report"}}),
            (rationale_pair(), {"action": "a1", "reason": "r1"}),
        ],
        ids=["select_all", "matrix", "rationale_pair"],
    )
    def test_certainty_is_ignored_for_items_that_are_not_single_best(self, item, response):
        assert score_item(item, response, 3, module_cbm=True).cbm_marks is None
        assert score_item(item, response, None, module_cbm=True).cbm_marks is None

    def test_the_rule_and_parts_are_kept_when_certainty_is_added(self):
        s = cbm_score(False, 2)
        assert (s.points, s.max_points, s.correct, s.parts) == (0.0, 1.0, False, {"b": False})


# --------------------------------------------------------------------------- totals and pass


def score(points: float, max_points: float, cbm: int | None = None) -> ItemScore:
    return ItemScore(points, max_points, points == max_points, cbm)


class TestTotals:
    def test_percent_is_points_over_available_points_rounded_to_one_decimal(self):
        t = total([score(1, 1), score(1, 2), score(0, 3)])
        assert (t.points, t.max_points, t.percent) == (2.0, 6.0, 33.3)

    def test_percent_of_a_perfect_run_is_100(self):
        assert total([score(1, 1), score(3, 3)]).percent == 100.0

    def test_available_overrides_the_denominator_so_unanswered_items_count_zero(self):
        t = total([score(1, 1), score(1, 1)], available=4)
        assert (t.max_points, t.percent) == (4, 50.0)

    def test_no_available_points_gives_zero_percent_not_a_division_error(self):
        assert total([]).percent == 0.0
        assert total([score(0, 0)]).percent == 0.0

    def test_cbm_average_is_the_mean_mark_over_certainty_items_only(self):
        t = total([score(1, 1, 3), score(0, 1, -6), score(1, 1, 1), score(2, 2)])
        assert t.cbm_items == 3
        assert t.cbm_average == pytest.approx((3 - 6 + 1) / 3)

    def test_cbm_average_is_none_when_no_item_was_certainty_marked(self):
        t = total([score(1, 1), score(0, 1)])
        assert (t.cbm_items, t.cbm_average) == (0, None)

    def test_overconfident_counts_wrong_answers_given_at_certainty_3(self):
        t = total([score(0, 1, -6), score(0, 1, -6), score(0, 1, -2), score(1, 1, 3), score(0, 1, 0)])
        assert t.overconfident == 2

    def test_totals_from_real_item_scores(self):
        scores = [
            cbm_score(True, 3),  # 1/1, +3
            cbm_score(False, 3),  # 0/1, -6
            score_item(select_all("ab"), {"options": ["a", "c"]}),  # 0/2
            score_item(matrix(), {"rows": {"r1": "report", "r2": "watch"}}),  # 2/3
        ]
        t = total(scores)
        assert (t.points, t.max_points, t.percent) == (3.0, 7.0, 42.8)  # 42.857... truncated, never rounded up
        assert (t.cbm_items, t.cbm_average, t.overconfident) == (2, -1.5, 1)


class TestPassed:
    def test_a_score_exactly_at_the_pass_mark_passes(self):
        assert passed(70.0, 70) is True

    def test_a_score_just_below_the_pass_mark_fails(self):
        assert passed(69.9, 70) is False

    def test_a_score_above_the_pass_mark_passes(self):
        assert passed(70.1, 70) is True

    def test_seven_of_ten_points_passes_a_70_percent_mark(self):
        t = total([score(1, 1)] * 7 + [score(0, 1)] * 3)
        assert t.percent == 70.0 and passed(t.percent, 70)

    def test_pass_marks_of_0_and_100(self):
        assert passed(0.0, 0) and passed(100.0, 100) and not passed(99.9, 100)
