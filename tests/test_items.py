"""Item types as plugins: every registered type provides every hook, and every item we ship or test with
behaves as its own sample responses say (PrairieLearn's element ``test()``, run over the registry)."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter
from streamlit.testing.v1 import AppTest

from cpd.behaviours import certainty
from cpd.content.loader import load_module
from cpd.content.models import Item
from cpd.items.base import Choice, InvalidResponse, ItemType, OptionSet, as_shown
from cpd.items.registry import TYPES, type_of
from cpd.scoring import score_item
from cpd.ui.item_forms import form_module

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).parent / "fixtures" / "items"
ITEM = TypeAdapter(Item)


def example(type_name: str):
    return ITEM.validate_python(yaml.safe_load((EXAMPLES / f"{type_name}.yaml").read_text(encoding="utf-8")))


def _all_items():
    items = [example(name) for name in TYPES]
    items += load_module([Path(__file__).parent / "fixtures" / "content"], "mini").items()
    items += load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety").items()
    return items


ALL_ITEMS = _all_items()


@pytest.mark.parametrize("name", list(TYPES))
def test_every_registered_type_provides_every_hook_a_form_and_an_example(name):
    item_type = TYPES[name]
    assert isinstance(item_type, ItemType) and not inspect.isabstract(type(item_type))
    assert item_type.name == name and item_type.label
    item = example(name)  # the content union routes the type tag to this type's model
    assert type(item) is item_type.model and type_of(item) is item_type
    assert "option_sets" in ItemType.__abstractmethods__  # a type cannot register without saying what it offers
    sets = item_type.option_sets(item)
    assert sets and all(isinstance(s, OptionSet) for s in sets)
    assert item_type.lead_ins(item)
    form = form_module(name)
    assert isinstance(form.HINT, str) and form.HINT
    assert callable(form.draw) and callable(form.widgets)


def test_the_registry_covers_every_item_type_in_the_content():
    assert {item.type for item in ALL_ITEMS} == set(TYPES)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_each_item_scores_its_own_sample_responses_as_named(item):
    t = type_of(item)
    samples = t.sample_responses(item)
    top = t.max_points(item)
    assert top > 0

    t.check(item, samples.correct)
    right = t.score(item, samples.correct)
    assert right.correct and right.points == right.max_points == top

    t.check(item, samples.wrong)
    wrong = t.score(item, samples.wrong)
    assert not wrong.correct and wrong.points < top

    if samples.partial is not None:
        t.check(item, samples.partial)
        partial = t.score(item, samples.partial)
        assert not partial.correct and 0 < partial.points < top

    with pytest.raises(InvalidResponse) as refused:
        t.check(item, samples.invalid)
    assert str(refused.value).strip()


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_classify_puts_responses_in_the_items_own_categories(item):
    t = type_of(item)
    samples = t.sample_responses(item)
    right = t.classify(item, samples.correct)
    assert right and all(c.category and c.fraction == 1.0 for c in right)
    wrong = t.classify(item, samples.wrong)
    assert wrong and any(c.fraction == 0.0 for c in wrong)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_feedback_covers_what_was_chosen_and_what_was_right(item):
    t = type_of(item)
    samples = t.sample_responses(item)
    rationales = set(_values(item.model_dump(), "rationale"))
    parts, cited = t.feedback_parts(item, samples.wrong)
    assert parts and all(p.rationale in rationales for p in parts)
    assert any(p.was_chosen and not p.is_correct for p in parts)  # the wrong choice is explained
    assert set(item.answer_evidence()) <= {*item.evidence, *cited}


def _values(data, key):
    """Every value stored under ``key`` anywhere in an item's data."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(data, list):
        for v in data:
            yield from _values(v, key)


def _without_key(item):
    """The same item with its key changed: every 'correct' flipped, every row's answer moved, rationales rewritten."""
    update = {}
    for name, subs in item.id_lists():
        changed = []
        for sub in subs:
            fields = {}
            if hasattr(sub, "correct"):
                fields["correct"] = not sub.correct
            if hasattr(sub, "rationale"):
                fields["rationale"] = "a different rationale"
            if hasattr(sub, "answer"):
                fields["answer"] = "elsewhere"
            changed.append(sub.model_copy(update=fields))
        update[name] = changed
    for name, value in item:  # a key held by the item itself (e.g. a statement's truth)
        if name in ("correct", "answer") and isinstance(value, bool):
            update[name] = not value
        elif name in ("answer", "rationale") and isinstance(value, str):
            update[name] = "changed"
    return item.model_copy(update=update)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_the_public_view_does_not_depend_on_the_key(item):
    """What the browser gets before an answer is the same whatever the key says: nothing in it can reveal it."""
    t = type_of(item)
    view = t.public_view(item, as_shown)
    assert view == t.public_view(_without_key(item), as_shown)
    shown = json.dumps(dataclasses.asdict(view))
    assert not any(p.rationale in shown for p in t.feedback_parts(item, t.sample_responses(item).correct)[0])


def _at(data, where):
    for step in where:
        data = data[step]
    return data


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_option_sets_are_what_the_learner_reads_with_the_items_own_key(item):
    """The item-writing rules read option sets: texts the learner is shown, each at its place, keyed as scored."""
    t = type_of(item)
    data = item.model_dump()
    shown = json.dumps(dataclasses.asdict(t.public_view(item, as_shown)), ensure_ascii=False)
    right = {c.category for c in t.classify(item, t.sample_responses(item).correct) if c.fraction == 1.0}
    flipped = {s.name: s for s in t.option_sets(_without_key(item))}
    for s in t.option_sets(item):
        assert len(s.options) >= 2
        for o in s.options:
            assert _at(data, o.where) == o.text  # errors point at this place in the file
            assert json.dumps(o.text, ensure_ascii=False)[1:-1] in shown
        keyed = [o for o in s.options if o.keyed]
        if s.one_best:
            assert len(keyed) == 1 and all(o.keyed is False for o in s.options if o not in keyed)
        assert {o.id for o in keyed} <= right  # keyed = what the correct response chooses
        # the flags follow the key: change the key and every keyed/distractor flag turns over
        assert [o.keyed for o in flipped[s.name].options] == [None if o.keyed is None else not o.keyed for o in s.options]
    for where, text in t.lead_ins(item):
        assert _at(data, where) == text and text


def test_the_public_view_takes_the_attempts_order():
    item = example("select_all")
    reverse = type_of(item).public_view(item, lambda choices, salt: tuple(reversed(choices)))
    assert [c.id for c in reverse.choices] == ["flyer", "photo", "consent", "lot"]
    assert all(isinstance(c, Choice) for c in reverse.choices)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_each_item_has_a_time_estimate(item):
    r = type_of(item).reading(item)
    assert r.words_before > 0 and r.words_feedback > 0 and r.decisions >= 1


# --- certainty-based marking over any type -------------------------------------------------------

@pytest.mark.parametrize("name", list(TYPES))
@pytest.mark.parametrize("level", [1, 2, 3])
def test_certainty_marks_any_type_by_moodles_rule(name, level):
    item = example(name).model_copy(update={"certainty": True})
    samples = type_of(item).sample_responses(item)
    assert score_item(item, samples.correct, level, module_cbm=True).cbm_marks == certainty.RIGHT[level]
    assert score_item(item, samples.wrong, level, module_cbm=True).cbm_marks == certainty.WRONG[level]
    if samples.partial is not None:
        s = score_item(item, samples.partial, level, module_cbm=True)
        assert s.cbm_marks == pytest.approx(certainty.RIGHT[level] * s.points / s.max_points)


def test_a_partly_right_matrix_at_fairly_sure_earns_two_thirds_of_two():
    item = example("matrix").model_copy(update={"certainty": True})
    s = score_item(item, {"rows": {"fever": "report", "pink": "watch", "pus": "watch"}}, 2, module_cbm=True)
    assert (s.points, s.max_points) == (2.0, 3.0) and s.cbm_marks == pytest.approx(4 / 3)


def test_a_partly_right_answer_is_never_marked_as_wrong():
    """f > 0 earns RIGHT[c] x f, so one right tick at 'very sure' is +1.5, not -6."""
    item = example("select_all").model_copy(update={"certainty": True})
    assert score_item(item, {"options": ["lot"]}, 3, module_cbm=True).cbm_marks == 1.5


# --- each type's form draws its widgets and gives back the response it was set to ---------------

def _form_page(type_name: str) -> None:
    import streamlit as st
    import yaml as _yaml
    from pydantic import TypeAdapter as _Adapter

    from cpd.content.models import Item as _Item
    from cpd.items.base import as_shown as _as_shown
    from cpd.items.registry import type_of as _type_of
    from cpd.presentation import PublicItem
    from cpd.ui.item_forms.form import item_form

    path = st.session_state["path"]
    with open(path, encoding="utf-8") as fh:
        item = _Adapter(_Item).validate_python(_yaml.safe_load(fh))
    public = PublicItem(item.id, item.type, item.stem, True, _type_of(item).public_view(item, _as_shown))
    got = item_form(public, "k")
    if got is not None:
        st.session_state["got"] = got


@pytest.mark.parametrize("name", list(TYPES))
def test_each_types_form_returns_the_response_its_widgets_were_set_to(name):
    item = example(name)
    wanted = type_of(item).sample_responses(item).correct
    at = AppTest.from_function(_form_page, args=(name,), default_timeout=30)
    at.session_state["path"] = str(EXAMPLES / f"{name}.yaml")
    at.run()
    widgets = {w.key: w for w in (*at.radio, *at.checkbox)}
    assert form_module(name).HINT in [c.value for c in at.caption]
    for suffix, value in {**form_module(name).widgets(dict(wanted)), "certainty": 2}.items():
        widgets[f"k-{suffix}"].set_value(value)
    at = at.button[0].click().run()
    assert not at.exception
    response, level = at.session_state["got"]
    assert level == 2
    normalise = {"options": sorted}  # checkbox order is the view's order
    assert {k: normalise.get(k, lambda v: v)(v) for k, v in response.items()} == \
        {k: normalise.get(k, lambda v: v)(v) for k, v in wanted.items()}


# --- answer distributions through classify --------------------------------------------------------

def test_a_rooms_answers_are_counted_per_option_row_or_part():
    from cpd.analysis import distribution

    assert distribution(example("single_best"), [{"option": "coa"}, {"option": "coa"}, {"option": "invoice"}]) == \
        {"": {"coa": 2, "invoice": 1}}
    assert distribution(example("select_all"), [{"options": ["lot", "photo"]}, {"options": ["lot"]}]) == \
        {"lot": {"lot": 2}, "photo": {"photo": 1}}
    assert distribution(example("matrix"), [{"rows": {"fever": "report", "pink": "report"}},
                                            {"rows": {"fever": "watch"}}]) == \
        {"fever": {"report": 1, "watch": 1}, "pink": {"report": 1}}
    assert distribution(example("rationale_pair"), [{"action": "use", "reason": "trace"}]) == \
        {"action": {"use": 1}, "reason": {"trace": 1}}


# --- interchange hooks: every type goes to GIFT and to QTI 3.0 and comes back the same ------------

def _common(item) -> dict:
    from cpd.items.base import ItemBase

    return item.model_dump(mode="json", include=set(ItemBase.model_fields), exclude_defaults=True)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_each_item_comes_back_from_its_own_gift_answers(item):
    t = type_of(item)
    body = t.gift_export(item)
    assert body.answers and all(a.text for a in body.answers)
    back = ITEM.validate_python({**_common(item), **t.gift_import(body)})
    assert back == item


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_each_items_gift_weights_score_its_samples_as_we_do(item):
    """Moodle scores a GIFT question by its answer weights: a one-right-answer form earns 100 % only for that
    answer; a weighted form sums the chosen weights, floored at 0. Ours must agree on full marks."""
    body = type_of(item).gift_export(item)
    if body.matching:  # each sub-question an equal share: full marks only when all rows are right
        assert all(a.fraction == 100 for a in body.answers)
    elif body.one_right:
        assert sum(a.fraction == 100 for a in body.answers) == 1
    else:
        assert sum(a.fraction for a in body.answers if a.fraction > 0) == pytest.approx(100, abs=0.001)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda i: i.id)
def test_each_item_goes_to_a_valid_qti_item_that_scores_as_we_do_and_comes_back(item):
    from lxml import etree
    from qti_support import errors, item_schema, run_response_processing

    from cpd.interop import qti

    node = qti.item_element(item)
    assert errors(item_schema(), qti.xml_bytes(node)) == []
    t = type_of(item)
    samples = t.sample_responses(item)
    for response in filter(None, (samples.correct, samples.partial, samples.wrong)):
        ours = t.score(item, response)
        outcomes = run_response_processing(node, t.qti_response(item, response))
        assert (outcomes["SCORE"], outcomes["MAXSCORE"]) == (ours.points, ours.max_points), response
    back = ITEM.validate_python(qti.read_item(etree.fromstring(qti.xml_bytes(node))))
    assert back == item
