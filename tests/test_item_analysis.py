"""Item analysis against figures computed by hand on small fixed data sets (the working is in the comments)."""

from __future__ import annotations

import pytest

from cpd.item_analysis import NOT_ENOUGH, Answer, ItemInput, OptionInfo, analyse, fmt

ABC = (OptionInfo("a", "Option a", True), OptionInfo("b", "Option b", False), OptionInfo("c", "Option c", False))


def item(item_id: str, scores: list[int | None], chosen: list[str | None] | None = None) -> ItemInput:
    """A right/wrong single-best item: 1 means option a (the key) was chosen, 0 option b, None no answer."""
    picks = chosen or [None if s is None else ("a" if s else "b") for s in scores]
    return ItemInput(item_id, f"Item {item_id}", ABC,
                     tuple(None if s is None else Answer(float(s), frozenset({c} if c else ())) for s, c in zip(scores, picks, strict=True)))


# Five participants, items A, B, C right/wrong, D answered by nobody:
#        A  B  C  D   total (D left out: nobody answered it)
#   P1   1  1  1  -   3
#   P2   1  1  0  -   2
#   P3   1  0  1  -   2
#   P4   1  0  0  -   1
#   P5   0  0  0  -   0
DATA = [item("A", [1, 1, 1, 1, 0]), item("B", [1, 1, 0, 0, 0]), item("C", [1, 0, 1, 0, 0]),
        item("D", [None] * 5)]


def test_facility_discrimination_and_kr20_match_the_hand_computation():
    result = analyse(DATA)
    a, b, c, d = result.items
    # Facility = proportion right of those who answered: A 4/5, B 2/5, C 2/5.
    assert (a.facility, b.facility, c.facility) == pytest.approx((0.8, 0.4, 0.4))
    # Corrected point-biserial of A: x = (1,1,1,1,0), rest y = total - A = (2,1,1,0,0); means 0.8 and 0.8.
    #   dx = (.2,.2,.2,.2,-.8), dy = (1.2,.2,.2,-.8,-.8)
    #   sum dx*dy = .24+.04+.04-.16+.64 = 0.8; sum dx^2 = 0.8; sum dy^2 = 1.44+.04+.04+.64+.64 = 2.8
    #   r = 0.8 / sqrt(0.8 * 2.8) = 0.8 / 1.4967 = 0.5345
    assert a.point_biserial == pytest.approx(0.534522, abs=1e-5)
    # B: x = (1,1,0,0,0), y = (2,1,2,1,0); means 0.4 and 1.2; dx = (.6,.6,-.4,-.4,-.4), dy = (.8,-.2,.8,-.2,-1.2)
    #   sum dx*dy = .48-.12-.32+.08+.48 = 0.6; sum dx^2 = 1.2; sum dy^2 = 2.8; r = 0.6 / sqrt(3.36) = 0.3273
    assert b.point_biserial == pytest.approx(0.327327, abs=1e-5)
    # C: x = (1,0,1,0,0), y = (2,2,1,1,0): the same sums as B, so r = 0.3273 too.
    assert c.point_biserial == pytest.approx(0.327327, abs=1e-5)
    # Upper-lower: 27 % of 5 = 1.35 -> groups of 1: top P1 (3), bottom P5 (0); every item: 1 - 0 = 1.
    assert (a.upper_lower, b.upper_lower, c.upper_lower) == (1.0, 1.0, 1.0)
    # KR-20 over A, B, C (k = 3): sum p*q = .8*.2 + .4*.6 + .4*.6 = .16 + .24 + .24 = 0.64
    #   totals 3,2,2,1,0: mean 1.6, variance (1.96+.16+.16+.36+2.56)/5 = 5.2/5 = 1.04
    #   KR-20 = 3/2 * (1 - 0.64/1.04) = 1.5 * 0.384615 = 0.576923
    assert result.reliability_name == "KR-20"
    assert result.reliability == pytest.approx(0.576923, abs=1e-5)
    assert result.participants == 5
    # D: nobody answered, so no figure at all and a plain flag.
    assert (d.answered, d.facility, d.point_biserial, d.upper_lower) == (0, None, None, None)
    assert d.flags == (f"{NOT_ENOUGH}: nobody answered",)
    assert fmt(d.facility) == NOT_ENOUGH


def test_distractors_are_counted_and_one_nobody_chose_is_flagged():
    a = analyse(DATA).items[0]
    # A: P1-P4 chose a (the key), P5 chose b; nobody chose c.
    counts = {o.id: (o.chosen_by, o.share) for o in a.options}
    assert counts == {"a": (4, 0.8), "b": (1, 0.2), "c": (0, 0.0)}
    assert "distractor nobody chose: Option c" in a.flags
    assert not any("very" in f or "discrimination" in f for f in a.flags)  # facility 0.8, r 0.53: nothing else


def test_low_discrimination_is_flagged():
    # Four participants, X and Y:  X = (0,1,0,1), Y = (1,1,0,0).
    # X's rest score is Y: dx = (-.5,.5,-.5,.5), dy = (.5,.5,-.5,-.5): sum dx*dy = -.25+.25+.25-.25 = 0, r = 0.
    # Facility 0.5, so no "very easy/hard" flag; the low discrimination is.
    x = analyse([item("X", [0, 1, 0, 1]), item("Y", [1, 1, 0, 0])]).items[0]
    assert x.point_biserial == pytest.approx(0.0)
    assert x.facility == 0.5
    assert "low discrimination (below 0.2)" in x.flags


def test_every_answer_right_gives_no_discrimination_and_no_reliability_without_dividing_by_zero():
    result = analyse([item("A", [1, 1, 1]), item("B", [1, 1, 1])])
    a = result.items[0]
    assert a.facility == 1.0
    assert a.point_biserial is None  # no variance in the item: r is undefined
    assert a.upper_lower == 0.0  # top 1 scored 1, bottom 1 scored 1
    assert result.reliability is None and result.reliability_text == NOT_ENOUGH
    assert "very easy (facility above 0.9)" in a.flags
    assert f"discrimination: {NOT_ENOUGH}" in a.flags


def test_one_participant():
    result = analyse([item("A", [1]), item("B", [0])])
    a, b = result.items
    assert (a.facility, b.facility) == (1.0, 0.0)
    assert a.point_biserial is None and a.upper_lower is None
    assert result.reliability is None
    assert "very hard (facility below 0.2)" in b.flags


def test_partial_scores_give_cronbachs_alpha():
    # Three participants, two items scored in fractions:
    #   P1: 1, 1    P2: .5, .5   P3: 0, 0   -> totals 2, 1, 0 (variance 2/3)
    #   item variance: values 1, .5, 0 -> mean .5, ((.25+0+.25)/3) = 1/6 each; sum 1/3
    #   alpha = 2/1 * (1 - (1/3)/(2/3)) = 2 * 0.5 = 1.0
    items = [ItemInput(i, i, (), (Answer(1.0), Answer(0.5), Answer(0.0))) for i in ("P", "Q")]
    result = analyse(items)
    assert result.reliability_name == "Cronbach's alpha"
    assert result.reliability == pytest.approx(1.0)


def test_unequal_rows_are_refused():
    with pytest.raises(ValueError):
        analyse([item("A", [1, 0]), item("B", [1])])


def test_no_items_and_no_participants():
    assert analyse([]).items == ()
    empty = analyse([item("A", [])])
    assert empty.participants == 0 and empty.items[0].flags == (f"{NOT_ENOUGH}: nobody answered",)
