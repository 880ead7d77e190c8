"""The learner pages, second pass: feedback survives a closed browser, two tabs catch up, hours and time shown."""

from __future__ import annotations

from test_pages import (  # the page helpers and the fixture's answers (tests/ is on sys.path)
    CASE_ITEMS,
    RIGHT,
    answer_item,
    cases_to_results,
    click,
    current_item,
    data_dir,  # noqa: F401 - fixture
    evaluate,
    markdown_text,
    open_app,
    start,
    token_of,
)


def test_a_browser_closed_on_a_feedback_screen_shows_that_feedback_again_on_resume(data_dir):  # noqa: F811
    at = start(open_app(), pretest=False)
    token = token_of(at)
    at = answer_item(at, "q-source", RIGHT["q-source"])
    assert current_item(at) is None and any(s.value.startswith("Right:") for s in at.success)

    again = open_app(token)  # the browser was closed before "Continue"
    assert current_item(again) is None, "the feedback, not the next question"
    assert any(s.value.startswith("Right:") for s in again.success)
    again = click(again, "Continue")
    assert current_item(again) == ("cases", "q-checks")

    third = open_app(token)  # Continue was pressed: the next question, the feedback is not repeated
    assert current_item(third) == ("cases", "q-checks")


def test_a_second_tab_catches_up_with_the_attempt(data_dir):  # noqa: F811
    first = start(open_app(), pretest=False)
    token = token_of(first)
    second = open_app(token)
    assert current_item(second) == ("cases", "q-source")

    first = answer_item(first, "q-source", RIGHT["q-source"])
    first = click(first, "Continue")
    # The second tab, still on q-source, submits its stale form: it is told, and moved on to where the attempt is.
    second = answer_item(second, "q-source", RIGHT["q-source"])
    assert any("Here is where your attempt is now." in i.value for i in second.info)
    assert current_item(second) == ("cases", "q-checks")
    # Any rerun of a stale tab (a click anywhere) also shows the current question.
    assert current_item(first.run()) == ("cases", "q-checks")


def test_results_show_time_recorded_and_the_evaluation_asks_for_hours(data_dir):  # noqa: F811
    at = cases_to_results(start(open_app(), pretest=False), RIGHT)
    shown = markdown_text(at)
    assert "Active time recorded:" in shown
    assert [i.value for i in at.info if i.value.startswith("Complete the evaluation")]
    (hours,) = [s for s in at.select_slider if s.label.startswith("CPD hours you claim")]
    assert hours.options == ["0.25 h"] and hours.value == 0.25  # the mini module's maximum is 0.25
    at = evaluate(at)
    assert any(s.value.startswith("Thank you") for s in at.success)
    assert "Your certificate" in [h.value for h in at.subheader]
    assert not [c for c in at.caption if "SHA-256" in c.value]  # no developer detail for the learner
    assert len(CASE_ITEMS) == 4


def test_registration_errors_appear_under_their_own_field_and_the_typed_values_stay(data_dir):  # noqa: F811
    at = start(open_app(), name="Zoë", email="not-an-address", registration="GMC <1234>", pretest=False)
    form = next(b for b in at.main.children.values() if getattr(b, "type", None) == "form")
    sequence = [(type(e).__name__, getattr(e, "label", None) or getattr(e, "value", "")) for e in form.children.values()]
    kinds = [k for k, _ in sequence]
    email_at = next(i for i, (k, v) in enumerate(sequence) if k == "TextInput" and v == "E-mail")
    assert kinds[email_at + 1] == "Error" and "E-mail:" in sequence[email_at + 1][1]
    reg_at = next(i for i, (k, v) in enumerate(sequence) if k == "TextInput" and str(v).startswith("Professional"))
    assert kinds[reg_at + 1] == "Error" and "Registration number" in sequence[reg_at + 1][1]
    assert at.text_input[0].value == "Zoë" and at.text_input[1].value == "not-an-address"  # nothing to type again
    assert "t" not in at.query_params  # no attempt was started


def test_the_grading_policy_is_stated_where_the_learner_decides_how_sure_to_be(data_dir):  # noqa: F811
    from cpd.behaviours.grading import certainty_question_note

    at = start(open_app(), pretest=False)
    assert current_item(at) == ("cases", "q-source")  # the mini module's certainty question

    def forms(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "form":
                yield child
            yield from forms(child)

    (form,) = forms(at.main)
    sequence = [(type(e).__name__, getattr(e, "label", None) or getattr(e, "value", "")) for e in form.children.values()]
    sure_at = next(i for i, (k, v) in enumerate(sequence) if k == "Radio" and str(v).startswith("How sure are you?"))
    assert sequence[sure_at + 1] == ("Caption", certainty_question_note("accuracy"))
    assert "do not count towards the pass" in sequence[sure_at + 1][1]


def test_each_grading_policy_has_its_own_words_beside_the_certainty_question(mini):
    from cpd.content.models import Delivery
    from cpd.presentation import public_item

    strict = type(mini)(mini.module.model_copy(update={"delivery": Delivery(
        certainty_based_marking=True, grading="certainty_adjusted")}), mini.cases, "c" * 64)
    asked = public_item(strict, strict.item("q-source"), 1)
    assert asked.asks_certainty and "count towards your pass" in asked.certainty_note
    assert "confident wrong answer costs more" in asked.certainty_note
    not_asked = next(public_item(mini, mini.item(i), 1) for i in CASE_ITEMS if not mini.item(i).certainty)
    assert not not_asked.asks_certainty and not_asked.certainty_note == ""
