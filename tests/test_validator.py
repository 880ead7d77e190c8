"""The content validator: every rejection names ``file:line: field.path: message``.

Each test copies the valid fixture to ``tmp_path``, breaks one thing, and checks the
error an author would see. Line numbers are found in the broken text, never hard-coded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cpd.content.loader import ContentSet, load_content
from cpd.content.yaml_source import ContentError

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "content"
MODULE = Path("modules/mini.yaml")
CASE = Path("questions/mini-case.yaml")

# --------------------------------------------------------------------------- helpers


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the valid fixture."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    return root


def edit(path: Path, old: str, new: str, *, occurrence: int = 1) -> str:
    """Replace the ``occurrence``-th (1-based) ``old`` in the file; the text must be there."""
    text = path.read_text(encoding="utf-8")
    start = -1
    for _ in range(occurrence):
        start = text.find(old, start + 1)
        assert start >= 0, f"{old!r} (occurrence {occurrence}) not found in {path}"
    text = text[:start] + new + text[start + len(old) :]
    path.write_text(text, encoding="utf-8")
    return text


def line_of(path: Path, needle: str, *, after: str | None = None) -> int:
    """1-based number of the first line containing ``needle`` (at or after the line containing ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    raise AssertionError(f"{needle!r} not in {path}")


def same_file(display: str, path: Path) -> bool:
    shown = Path(display)
    if not shown.is_absolute():
        shown = Path.cwd() / shown
    return shown.resolve() == path.resolve()


def errors_at(content: ContentSet, path: Path, where: str) -> list[ContentError]:
    return [e for e in content.errors if same_file(e.file, path) and e.where == where]


def assert_error(content: ContentSet, path: Path, line: int, where: str, *words: str) -> ContentError:
    """Exactly one error at ``path`` for ``where``, on ``line``, naming ``words``, rendered file:line: where: msg."""
    found = errors_at(content, path, where)
    listing = "\n".join(map(str, content.errors)) or "(no errors)"
    assert len(found) == 1, f"expected one error at {path.name} {where!r}, got:\n{listing}"
    err = found[0]
    assert err.line == line, f"{err} -- expected line {line}"
    for word in words:
        assert word in err.message, f"{word!r} not in {err}"
    assert str(err) == f"{err.file}:{line}: {where}: {err.message}"
    return err


def load(root: Path) -> ContentSet:
    return load_content([root])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cpd", "validate", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


OTHER_CASE = """\
id: other-case
title: Another case
summary: A second case for cross-case checks.
stages:
  - id: later
    title: Later
    narrative: Later that week.
    items:
      - id: {item_id}
        type: single_best
        objective: lo-source
        stem: Ask again?
        evidence: [ref-verified]
        options:
          - id: a
            text: Ask for the batch record
            correct: true
            rationale: Because.
          - id: b
            text: Ask for a price
            rationale: Because not.
"""

# --------------------------------------------------------------------------- the valid fixture


def test_the_valid_fixture_has_no_errors():
    content = load_content([FIXTURE])
    assert content.errors == []
    assert content.ok
    assert content.summary() == {
        "modules": 1,
        "cases": 1,
        "items": 4,
        "items_by_type": {"matrix": 1, "rationale_pair": 1, "select_all": 1, "single_best": 1},
        "references": 3,
    }


def test_the_valid_fixture_loads_from_separate_modules_and_questions_folders():
    content = load_content([FIXTURE / "modules", FIXTURE / "questions"])
    assert content.errors == []
    assert set(content.modules) == {"mini"} and set(content.cases) == {"mini-case"}


def test_an_untouched_copy_has_no_errors(content_dir):
    assert load(content_dir).errors == []


# --------------------------------------------------------------------------- references and evidence


def test_an_unknown_reference_on_an_option_is_reported_at_that_citation(content_dir):
    case = content_dir / CASE
    edit(case, "evidence: [ref-unverified]", "evidence: [ref-nowhere]")
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "evidence: [ref-nowhere]"),
        "stages[0].items[0].options[1].evidence[0]", "unknown reference", "'ref-nowhere'",
    )


def test_an_unknown_reference_in_a_block_list_is_reported_on_its_own_line(content_dir):
    case = content_dir / CASE
    edit(
        case,
        "        evidence: [ref-verified, ref-secondary]\n",
        "        evidence:\n          - ref-verified\n          - ref-secondary\n          - ref-nowhere\n",
    )
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "- ref-nowhere"),
        "stages[1].items[0].evidence[2]", "unknown reference 'ref-nowhere'",
    )


def test_a_reference_no_item_cites_is_reported_as_unused(content_dir):
    case, module = content_dir / CASE, content_dir / MODULE
    edit(case, "            evidence: [ref-unverified]\n", "")
    content = load(content_dir)
    assert_error(
        content, module, line_of(module, "- id: ref-unverified"),
        "references[2].id", "unused reference 'ref-unverified'", "no item cites it",
    )
    assert len(content.errors) == 1


@pytest.mark.parametrize("strength", ["unverified", "secondary"])
def test_a_correct_answer_resting_only_on_weaker_evidence_is_rejected(content_dir, strength):
    case = content_dir / CASE
    edit(case, "evidence: [ref-verified]", f"evidence: [ref-{strength}]")  # q-source, the first item
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, f"evidence: [ref-{strength}]"),
        "stages[0].items[0].evidence", "no verified evidence", f"(only {strength})",
    )
    assert len(content.errors) == 1


def test_verified_evidence_on_a_wrong_option_does_not_support_the_correct_answer(content_dir):
    case = content_dir / CASE
    edit(case, "evidence: [ref-verified]", "evidence: [ref-secondary]")  # q-source item level
    edit(case, "evidence: [ref-unverified]", "evidence: [ref-verified]")  # wrong option b
    edit(case, "            rationale: Packaging says nothing about content.\n",
         "            rationale: Packaging says nothing about content.\n            evidence: [ref-unverified]\n")
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "evidence: [ref-secondary]"),
        "stages[0].items[0].evidence", "no verified evidence", "(only secondary)",
    )


def test_verified_evidence_on_the_correct_option_is_enough(content_dir):
    case = content_dir / CASE
    edit(case, "evidence: [ref-verified]", "evidence: [ref-unverified]")  # q-source item level
    edit(case, "            rationale: The source determines the cargo.\n",
         "            rationale: The source determines the cargo.\n            evidence: [ref-verified]\n")
    assert load(content_dir).errors == []


# --------------------------------------------------------------------------- module fields


@pytest.mark.parametrize(
    ("field", "block"),
    [
        ("pass_mark", "pass_mark: 70\n"),
        ("termination_date", "termination_date: 2028-01-01\n"),
        (
            "objectives",
            "objectives:\n  - id: lo-source\n    text: Ask where a product comes from.\n"
            "  - id: lo-report\n    text: Report an adverse event.\n",
        ),
    ],
)
def test_a_module_missing_a_required_field_is_rejected_at_the_top_of_the_module(content_dir, field, block):
    module = content_dir / MODULE
    edit(module, block, "")
    content = load(content_dir)
    # A missing field is reported at its parent's line: for a top-level field, the mapping's first key.
    assert_error(content, module, line_of(module, "id: mini"), field, "is missing (required)")


@pytest.mark.parametrize(("value", "words"), [("-1", "greater than or equal to 0"), ("101", "less than or equal to 100")])
def test_a_pass_mark_outside_0_to_100_is_rejected(content_dir, value, words):
    module = content_dir / MODULE
    edit(module, "pass_mark: 70", f"pass_mark: {value}")
    content = load(content_dir)
    assert_error(content, module, line_of(module, f"pass_mark: {value}"), "pass_mark", words)


@pytest.mark.parametrize("value", ["0", "100"])
def test_pass_marks_of_0_and_100_are_allowed(content_dir, value):
    edit(content_dir / MODULE, "pass_mark: 70", f"pass_mark: {value}")
    assert load(content_dir).errors == []


def test_a_case_the_module_names_that_does_not_exist_is_rejected(content_dir):
    module = content_dir / MODULE
    edit(module, "  - mini-case\n", "  - mini-case\n  - ghost-case\n")
    content = load(content_dir)
    assert_error(content, module, line_of(module, "- ghost-case"), "cases[1]", "case 'ghost-case' does not exist")
    assert len(content.errors) == 1


def test_a_case_no_module_uses_is_rejected(content_dir):
    case = content_dir / "questions" / "other-case.yaml"
    case.write_text(OTHER_CASE.format(item_id="q-other"), encoding="utf-8")
    content = load(content_dir)
    assert_error(content, case, line_of(case, "id: other-case"), "id", "case 'other-case' is not used by any module")


# --------------------------------------------------------------------------- items without a correct answer


@pytest.mark.parametrize(
    ("kind", "occurrences", "item_line", "where", "words"),
    [
        ("single_best", [1], "- id: q-source", "stages[0].items[0]", ["no correct answer", "exactly one"]),
        ("select_all", [2, 2], "- id: q-checks", "stages[0].items[1]", ["no correct answer", "at least one"]),
        ("rationale_pair", [4], "- id: q-pair", "stages[1].items[1]", ["actions: no correct answer"]),
    ],
)
def test_an_item_with_no_correct_answer_is_rejected(content_dir, kind, occurrences, item_line, where, words):
    case = content_dir / CASE
    for n in occurrences:  # "correct: true" lines, counted through the file; removing shifts the count
        edit(case, "            correct: true\n", "", occurrence=n)
    content = load(content_dir)
    assert f"type: {kind}" in case.read_text().splitlines()[line_of(case, item_line)]
    assert_error(content, case, line_of(case, item_line), where, *words)


def test_a_rationale_pair_with_no_correct_reason_is_rejected(content_dir):
    case = content_dir / CASE
    edit(case, "            correct: true\n", "", occurrence=5)  # reason r1
    content = load(content_dir)
    assert_error(content, case, line_of(case, "- id: q-pair"), "stages[1].items[1]", "reasons: no correct answer")


def test_a_single_best_item_with_two_correct_options_is_rejected(content_dir):
    case = content_dir / CASE
    edit(case, "            rationale: Price says nothing about safety.\n",
         "            correct: true\n            rationale: Price says nothing about safety.\n")
    content = load(content_dir)
    assert_error(content, case, line_of(case, "- id: q-source"), "stages[0].items[0]", "2 correct options")


def test_a_matrix_row_whose_answer_is_not_a_column_is_rejected(content_dir):
    case = content_dir / CASE
    edit(case, "answer: watch", "answer: ignore")
    content = load(content_dir)
    assert_error(content, case, line_of(case, "- id: q-grid"), "stages[1].items[0]", "rows[1].answer 'ignore'", "not one of the columns")


# --------------------------------------------------------------------------- duplicate ids


def test_a_duplicate_option_id_is_reported_at_the_second_option(content_dir):
    case = content_dir / CASE
    edit(case, "          - id: b\n            text: The price per vial", "          - id: a\n            text: The price per vial")
    content = load(content_dir)
    line = line_of(case, "text: The price per vial") - 1
    assert_error(content, case, line, "stages[0].items[0].options[1].id", "duplicate option id 'a'")


def test_a_duplicate_item_id_across_two_cases_is_rejected(content_dir):
    other = content_dir / "questions" / "other-case.yaml"  # sorts after mini-case.yaml, so it is the second
    other.write_text(OTHER_CASE.format(item_id="q-source"), encoding="utf-8")
    edit(content_dir / MODULE, "  - mini-case\n", "  - mini-case\n  - other-case\n")
    content = load(content_dir)
    assert_error(
        content, other, line_of(other, "- id: q-source"),
        "stages[0].items[0].id", "duplicate item id 'q-source'", "also in case mini-case/notice",
    )
    assert len(content.errors) == 1


def test_a_duplicate_item_id_in_two_stages_of_one_case_is_rejected(content_dir):
    case = content_dir / CASE
    edit(case, "- id: q-grid", "- id: q-source")
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "- id: q-source", after="id: act"),
        "stages[1].items[0].id", "duplicate item id 'q-source'", "mini-case/notice",
    )


def test_a_duplicate_item_id_in_one_stage_is_rejected(content_dir):
    case = content_dir / CASE
    edit(case, "- id: q-checks", "- id: q-source")
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "- id: q-source", after="type: single_best"),
        "stages[0].items[1].id", "duplicate item id 'q-source'",
    )


def test_a_duplicate_module_id_in_two_files_is_rejected(content_dir):
    first = content_dir / MODULE
    second = content_dir / "modules" / "second.yaml"  # sorts after mini.yaml
    shutil.copy(first, second)
    content = load(content_dir)
    err = assert_error(content, second, line_of(second, "id: mini"), "id", "duplicate module id 'mini'", "mini.yaml")
    assert "also in" in err.message
    assert errors_at(content, first, "id") == []
    assert len(content.errors) == 1


def test_a_duplicate_case_id_in_two_files_is_rejected(content_dir):
    second = content_dir / "questions" / "second-case.yaml"
    shutil.copy(content_dir / CASE, second)
    content = load(content_dir)
    assert_error(content, second, line_of(second, "id: mini-case"), "id", "duplicate case id 'mini-case'", "mini-case.yaml")


def test_a_duplicate_reference_id_is_reported_at_the_second_reference(content_dir):
    module = content_dir / MODULE
    edit(module, "  - id: ref-secondary", "  - id: ref-verified")
    content = load(content_dir)
    assert_error(
        content, module, line_of(module, "- id: ref-verified", after="title: A verified paper"),
        "references[1].id", "duplicate reference id 'ref-verified'",
    )


def test_a_duplicate_reference_id_does_not_re_point_citations_of_the_first_reference(content_dir):
    module = content_dir / MODULE
    edit(module, "  - id: ref-secondary", "  - id: ref-verified")
    content = load(content_dir)
    spurious = [e for e in content.errors if "no verified evidence" in e.message]
    assert spurious == [], "\n".join(map(str, spurious))


def test_a_duplicate_objective_id_is_rejected(content_dir):
    module = content_dir / MODULE
    edit(module, "  - id: lo-report", "  - id: lo-source")
    content = load(content_dir)
    assert_error(
        content, module, line_of(module, "- id: lo-source", after="text: Ask where"),
        "objectives[1].id", "duplicate objective id 'lo-source'",
    )


# --------------------------------------------------------------------------- missing and misspelt fields


def test_an_option_without_a_rationale_is_rejected_at_the_option(content_dir):
    case = content_dir / CASE
    edit(case, "            rationale: Packaging says nothing about content.\n", "")
    content = load(content_dir)
    assert_error(
        content, case, line_of(case, "- id: c", after="- id: q-source"),
        "stages[0].items[0].options[2].rationale", "is missing (required)",
    )
    assert "mini-case" not in content.cases  # the whole case is refused, not half-loaded


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        (MODULE, "pass_mark: 70\n", "pass_mark: 70\npass_mrak: 70\n", "pass_mrak"),
        (MODULE, "  feedback: immediate", "  feedbak: immediate", "delivery.feedbak"),
        (CASE, "stem: What do you ask first?", "stme: What do you ask first?", "stages[0].items[0].stme"),
        (CASE, "rationale: Packaging says", "rationel: Packaging says", "stages[0].items[0].options[2].rationel"),
    ],
    ids=["top-level", "nested", "item", "option"],
)
def test_an_unknown_field_is_reported_as_a_likely_typo(content_dir, file, old, new, where):
    path = content_dir / file
    edit(path, old, new)
    content = load(content_dir)
    typo = where.rsplit(".", 1)[-1]
    assert_error(content, path, line_of(path, f"{typo}:"), where, "unknown field", "check the spelling")


# --------------------------------------------------------------------------- YAML that is not plain data


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/apply:subprocess.call"])
def test_yaml_with_a_python_tag_is_refused_and_nothing_is_executed(content_dir, tmp_path, capfd, tag):
    case = content_dir / CASE
    marker = tmp_path / "executed"
    edit(case, "        stem: What do you ask first?\n",
         f'        stem: What do you ask first?\n        feedback: {tag} ["echo hi"]\n'
         f'        note: {tag} ["touch {marker}"]\n')
    capfd.readouterr()
    content = load(content_dir)
    out, err = capfd.readouterr()
    assert "hi" not in out and "hi" not in err
    assert not marker.exists()
    found = [e for e in content.errors if same_file(e.file, case)]
    assert len(found) == 1, "\n".join(map(str, content.errors))
    e = found[0]
    assert e.line == line_of(case, f"feedback: {tag}")
    assert "not plain data" in e.message and "!!python" in e.message
    assert str(e) == f"{e.file}:{e.line}: {e.message}"
    assert "mini-case" not in content.cases


def test_invalid_yaml_syntax_is_reported_with_its_line(content_dir):
    case = content_dir / CASE
    edit(case, "evidence: [ref-verified]", "evidence: [ref-verified", occurrence=2)  # q-checks
    content = load(content_dir)
    found = [e for e in content.errors if same_file(e.file, case)]
    assert len(found) == 1, "\n".join(map(str, content.errors))
    e = found[0]
    broken = line_of(case, "evidence: [ref-verified", after="- id: q-checks")
    # the parser notices the missing ']' on the broken line or the next one
    assert e.line in (broken, broken + 1)
    assert "expected ',' or ']'" in e.message
    assert str(e) == f"{e.file}:{e.line}: {e.message}"


# --------------------------------------------------------------------------- all errors in one run


def test_every_error_across_several_files_is_listed_in_one_run(content_dir):
    module, case = content_dir / MODULE, content_dir / CASE
    edit(module, "pass_mark: 70", "pass_mark: 101")
    edit(module, "  feedback: immediate", "  feedbak: immediate")
    edit(case, "            rationale: Packaging says nothing about content.\n", "")  # stage 0
    edit(case, "            correct: true\n", "", occurrence=4)  # q-pair action, stage 1
    broken = content_dir / "questions" / "broken.yaml"
    broken.write_text("id: broken\nstages: [unclosed\n", encoding="utf-8")
    content = load(content_dir)
    expected = [
        (module, "pass_mark"),
        (module, "delivery.feedbak"),
        (case, "stages[0].items[0].options[2].rationale"),
        (case, "stages[1].items[1]"),
    ]
    listing = "\n".join(map(str, content.errors))
    for path, where in expected:
        assert len(errors_at(content, path, where)) == 1, f"{path.name} {where} missing from:\n{listing}"
    assert any(same_file(e.file, broken) for e in content.errors), listing


def test_every_cross_reference_error_is_listed_in_one_run(content_dir):
    case, module = content_dir / CASE, content_dir / MODULE
    edit(case, "evidence: [ref-unverified]", "evidence: [ref-nowhere]")
    edit(case, "evidence: [ref-verified, ref-secondary]", "evidence: [ref-verified, ref-elsewhere]")
    edit(case, "objective: lo-report", "objective: lo-unknown")
    edit(module, "  - mini-case\n", "  - mini-case\n  - ghost-case\n")
    content = load(content_dir)
    wheres = sorted(e.where for e in content.errors)
    assert wheres == sorted([
        "stages[0].items[0].options[1].evidence[0]",
        "stages[1].items[0].evidence[1]",
        "stages[1].items[0].objective",
        "references[1].id",  # ref-secondary now unused
        "references[2].id",  # ref-unverified now unused
        "cases[1]",
    ]), "\n".join(map(str, content.errors))


# --------------------------------------------------------------------------- command line


def test_cli_validate_exits_0_and_prints_a_summary_for_valid_content():
    proc = run_cli(str(FIXTURE))
    assert proc.returncode == 0, proc.stderr
    first, *per_module = proc.stdout.strip().splitlines()
    assert first == (
        "OK: 1 module(s), 1 case(s), 4 item(s) "
        "(matrix 1, rationale_pair 1, select_all 1, single_best 1), 3 reference(s)"
    )
    assert per_module[0].strip().startswith("mini 1.0.0: claims 0.25 CPD h / 10 min")
    assert [line.strip() for line in per_module[1:]] == [
        "item writing:",
        "key is the longest option in 1 of 3 single-answer sets (chance 1.3, limit 3.3): ok",
        "longest option at most 1.50 x the mean of the others (limit 1.5): ok",
        "absolute words in 0 of 6 distractors and 0 of 5 keys: ok",
        "'of the above' or 'nothing' options: 0; negatives in lower case: 0: ok",
    ]


def test_cli_validate_json_prints_one_object_with_the_counts():
    proc = run_cli(str(FIXTURE), "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert set(summary) == {"modules", "cases", "items", "items_by_type", "references"}
    assert summary == {
        "modules": 1,
        "cases": 1,
        "items": 4,
        "items_by_type": {"matrix": 1, "rationale_pair": 1, "select_all": 1, "single_best": 1},
        "references": 3,
    }


def test_cli_validate_exits_non_zero_and_prints_each_error_on_stderr(content_dir):
    module, case = content_dir / MODULE, content_dir / CASE
    edit(module, "pass_mark: 70", "pass_mark: 101")
    edit(case, "evidence: [ref-unverified]", "evidence: [ref-nowhere]")
    proc = run_cli(str(content_dir))
    assert proc.returncode != 0
    assert proc.stdout == ""
    stderr = proc.stderr.splitlines()
    expected_module = f"{module}:{line_of(module, 'pass_mark: 101')}: pass_mark: Input should be less than or equal to 100"
    expected_case_prefix = f"{case}:{line_of(case, 'ref-nowhere')}: stages[0].items[0].options[1].evidence[0]: unknown reference"
    assert any(line.startswith(expected_module) for line in stderr), proc.stderr
    # the module failed to load, so its case is reported unused instead of cross-checked
    assert any(line.startswith(f"{case}:") and "not used by any module" in line for line in stderr), proc.stderr
    assert not any(line.startswith(expected_case_prefix) for line in stderr)
    assert stderr[-1] == f"{len(stderr) - 1} errors in the content"


def test_cli_validate_reports_a_cross_reference_problem_with_file_and_line(content_dir):
    case = content_dir / CASE
    edit(case, "evidence: [ref-unverified]", "evidence: [ref-nowhere]")
    proc = run_cli(str(content_dir))
    assert proc.returncode == 1
    expected = f"{case}:{line_of(case, 'ref-nowhere')}: stages[0].items[0].options[1].evidence[0]: unknown reference 'ref-nowhere'"
    assert expected in proc.stderr.splitlines(), proc.stderr


def test_a_pass_mark_with_two_decimals_is_refused(content_dir):
    module = content_dir / MODULE
    edit(module, "pass_mark: 70", "pass_mark: 69.95")
    content = load_content([content_dir])
    assert any(e.where == "pass_mark" and "one decimal" in e.message for e in content.errors)


# --------------------------------------------------------------------------- item-writing rules (NBME style)
# tests/fixtures/item-writing passes every rule with little to spare (its case file gives the word counts);
# each test breaks one rule in a copy and checks every error it causes, and that nothing else is reported.

WRITING = Path(__file__).resolve().parent / "fixtures" / "item-writing"
WCASE = Path("questions/writing-case.yaml")


@pytest.fixture
def writing_dir(tmp_path: Path) -> Path:
    root = tmp_path / "writing"
    shutil.copytree(WRITING, root)
    return root


def assert_only(content: ContentSet, path: Path, expected: dict[str, tuple[str, list[str]]]) -> None:
    """The errors are exactly ``expected`` (where -> (text on the line, words in the message)), each on its line."""
    listing = "\n".join(map(str, content.errors)) or "(no errors)"
    assert sorted(e.where for e in content.errors) == sorted(expected), listing
    for where, (needle, words) in expected.items():
        assert_error(content, path, line_of(path, needle), where, *words)


def test_the_item_writing_fixture_passes_every_rule():
    content = load_content([WRITING])
    assert content.errors == []
    s = content.writing["writing"]
    assert (s.key_longest, s.one_best_sets, s.chance) == (4, 8, 2.5)  # limit 4.5: one more key would break it
    assert (s.distractors_absolute, s.distractors, s.keys_absolute, s.keys) == (0, 22, 1, 10)
    # Not flagged: the matrix's columns (1 and 5 words: every column is right for some row, so length points
    # nowhere), and s2's "is not a drug" (a scenario sentence before the question, not the question).
    assert s.worst_ratio == pytest.approx(5 / 4)  # the pair: a distractor of 5 words beside a key of 4


def test_a_key_that_is_the_longest_too_often_is_reported_at_every_longest_key(writing_dir):
    case = writing_dir / WCASE
    edit(case, "text: Note the lot and report,", "text: Note the lot and report it,")  # s5: key 6 words, ties 6
    content = load(writing_dir)
    why = ["the keyed option is the longest", "in 5 of 8 single-answer sets, more than chance (2.50) + 2"]
    assert_only(content, case, {
        "stages[0].items[0].options[0].text": ("text: Use it only within a trial", ["(6 words; the others 5, 5, 5)", *why]),
        "stages[0].items[1].options[0].text": ("text: The certificate of analysis per lot", why),
        "stages[0].items[2].options[0].text": ("text: The donor screening and testing record", why),
        "stages[0].items[3].options[0].text": ("text: Sterility and endotoxin results", why),
        "stages[0].items[4].options[0].text": ("text: Note the lot and report it", ["(6 words; the others 6, 5, 5)", *why]),
    })
    assert str(content.errors[-1]).startswith(f"{content.errors[-1].file}:{line_of(case, 'Note the lot and report it')}: "
                                              "stages[0].items[4].options[0].text: the keyed option is the longest")


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        ("text: Write it in your own diary,", "text: Write it in your own paper diary at home,",
         "stages[0].items[4].options[1].text", ["9 words, 1.80 x the mean of the others (5.0)", "at most 1.5 x"]),
        ("text: Her star sign,", "text: Her star sign and her favourite colour,",
         "stages[1].items[1].options[3].text", ["7 words, 1.91 x the mean of the others (3.7)"]),
        ("text: Ask her to come back,", "text: Ask her to come back next week,",
         "stages[1].items[0].actions[1].text", ["7 words, 1.75 x the mean of the others (4.0)"]),
    ],
    ids=["single-best distractor", "select-all option", "rationale-pair action"],
)
def test_an_option_longer_than_one_and_a_half_times_the_others_is_reported_at_it(writing_dir, old, new, where, words):
    case = writing_dir / WCASE
    edit(case, old, new)
    assert_only(load(writing_dir), case, {where: (new.rstrip(","), ["the longest option has", *words])})


ABSOLUTE_EDITS = [  # same word counts, the qualifier made absolute
    ("text: Swelling usually settles by itself,", "text: Swelling always settles by itself,", "stages[1].items[0].reasons[1].text"),
    ("text: Particle counts from usual tracking,", "text: Particle counts never show infection,", "stages[0].items[3].options[1].text"),
    ("text: The rep's usual opinion,", "text: The rep's every opinion,", "stages[1].items[1].options[2].text"),
]


def test_absolute_words_commoner_in_distractors_than_in_keys_are_reported_at_each_distractor(writing_dir):
    case = writing_dir / WCASE
    for old, new, _ in ABSOLUTE_EDITS:
        edit(case, old, new)
    content = load(writing_dir)
    why = "3 of 22 distractors carry one against 1 of 10 keys"  # 14 % against 10 %
    assert_only(content, case, {
        where: (new.rstrip(","), [f"absolute word {word!r} in a distractor", why])
        for (_, new, where), word in zip(ABSOLUTE_EDITS, ["always", "never", "every"], strict=True)
    })


def test_absolute_words_no_commoner_in_distractors_than_in_keys_pass(writing_dir):
    case = writing_dir / WCASE
    for old, new, _ in ABSOLUTE_EDITS[:2]:  # 2 of 22 distractors (9 %) against 1 of 10 keys (10 %)
        edit(case, old, new)
    content = load(writing_dir)
    assert content.errors == []
    assert content.writing["writing"].distractors_absolute == 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("None of the above", "catch-all option 'none of the above'"),
        ("All of the above", "catch-all option 'all of the above'"),
        ("Nothing; the label is enough", "catch-all option 'nothing' (it works as 'none of the above')"),
    ],
)
def test_a_catch_all_option_is_reported_at_it(writing_dir, text, words):
    case = writing_dir / WCASE
    edit(case, "text: Approval is a mere formality,", f"text: {text},")  # s6, a distractor of 5 words
    assert_only(load(writing_dir), case, {"stages[0].items[5].options[3].text": (f"text: {text}", [words, "specific"])})


@pytest.mark.parametrize(
    ("old", "new", "where", "word"),
    [
        ("stem: Which record shows where", "stem: Which record does not show where", "stages[0].items[2].stem", "'not'"),
        ("stem: Which test result bears on", "stem: All EXCEPT one bear on infection. Which result does not bear on",
         "stages[0].items[3].stem", "'not'"),
        ("action_prompt: What do you do first?", "action_prompt: What don't you do first?",
         "stages[1].items[0].action_prompt", '"don\'t"'),
    ],
    ids=["stem", "question after a scenario", "rationale-pair prompt"],
)
def test_a_negative_question_in_lower_case_is_reported_at_it(writing_dir, old, new, where, word):
    case = writing_dir / WCASE
    edit(case, old, new)
    assert_only(load(writing_dir), case, {where: (new, [f"negative {word} in the question in lower case", "NOT"])})


def test_a_negative_question_in_capitals_passes(writing_dir):
    edit(writing_dir / WCASE, "stem: Which record shows where", "stem: Which record does NOT show where")
    edit(writing_dir / WCASE, "stem: Which test result bears on", "stem: All EXCEPT one bear on")
    assert load(writing_dir).errors == []


def test_cli_validate_prints_the_item_writing_summary_and_fails_on_a_broken_rule(writing_dir):
    proc = run_cli(str(WRITING))
    assert proc.returncode == 0, proc.stderr
    assert "key is the longest option in 4 of 8 single-answer sets (chance 2.5, limit 4.5): ok" in proc.stdout

    case = writing_dir / WCASE
    edit(case, "text: Approval is a mere formality,", "text: None of the above,")
    proc = run_cli(str(writing_dir))
    assert proc.returncode == 1
    assert "'of the above' or 'nothing' options: 1; negatives in lower case: 0: FAILS" in proc.stdout
    assert proc.stderr.splitlines() == [
        f"{case}:{line_of(case, 'text: None of the above')}: stages[0].items[5].options[3].text: "
        "catch-all option 'none of the above': offer a specific, plausible alternative instead",
        "1 error in the content",
    ]


# --------------------------------------------------------------------------- jurisdictions


def test_jurisdictions_are_optional_and_listed_as_plain_names(content_dir):
    assert load(content_dir).modules["mini"].jurisdictions == []  # a module stating no regulatory status
    edit(content_dir / MODULE, "last_review_date: 2026-06-01\n",
         "last_review_date: 2026-06-01\njurisdictions: [United States, Japan]\n")
    assert load(content_dir).modules["mini"].jurisdictions == ["United States", "Japan"]


@pytest.mark.parametrize(("value", "words"), [
    ("[Japan, japan]", ["jurisdiction 'japan' is listed twice"]),
    ('["Japan "]', ["plain name", "'Japan '"]),
    ("[Japan, '']", ["at least 1 character"]),
])
def test_a_duplicate_or_blank_jurisdiction_is_rejected(content_dir, value, words):
    module = content_dir / MODULE
    edit(module, "last_review_date: 2026-06-01\n", f"last_review_date: 2026-06-01\njurisdictions: {value}\n")
    content = load(content_dir)
    where = "jurisdictions[1]" if "''" in value else "jurisdictions"
    assert_error(content, module, line_of(module, "jurisdictions:"), where, *words)


@pytest.mark.parametrize(("stem", "flagged"), [
    ("Which is not a purity measure?", ["not"]),
    ("Which is NOT a purity measure?", []),
    ("All EXCEPT one are purity measures. Which isn't?", ["isn't"]),
    ("The rep says it is not a drug. What do you ask first?", []),  # the scenario, not the question
    ("Which requests, at least, would you make?", []),  # "at least" is not a negative
    ("Which is least likely to be contaminated?", ["least"]),
    ("The rep says it is not a drug", ["not"]),  # the last sentence is the question even without '?'
])
def test_only_the_questions_lead_in_is_read_for_a_lower_case_negative(stem, flagged):
    from cpd.content.item_writing import lower_case_negatives

    assert lower_case_negatives(stem) == flagged


def test_the_renewal_lead_time_defaults_to_60_days_and_is_read_from_the_module(content_dir):
    module = content_dir / MODULE
    assert load(content_dir).modules["mini"].renew_days_before_expiry == 60
    edit(module, "recertification_months: 24", "recertification_months: 24\nrenew_days_before_expiry: 45")
    content = load(content_dir)
    assert content.errors == [] and content.modules["mini"].renew_days_before_expiry == 45


@pytest.mark.parametrize(("setting", "where", "words"), [
    ("renew_days_before_expiry: 0", "renew_days_before_expiry", ("greater than or equal to 1",)),
    ("renew_days_before_expiry: 366", "renew_days_before_expiry", ("less than or equal to 365",)),
    ("renew_days_before_expiry: sixty", "renew_days_before_expiry", ("integer",)),
])
def test_a_renewal_lead_time_out_of_range_is_rejected_at_its_line(content_dir, setting, where, words):
    module = content_dir / MODULE
    edit(module, "recertification_months: 24", f"recertification_months: 24\n{setting}")
    assert_error(load(content_dir), module, line_of(module, setting), where, *words)


def test_a_renewal_that_would_open_before_the_certificate_is_issued_is_rejected(content_dir):
    module = content_dir / MODULE
    edit(module, "recertification_months: 24", "recertification_months: 2\nrenew_days_before_expiry: 60")
    messages = [e.message for e in load(content_dir).errors if same_file(e.file, module)]
    assert any("renew_days_before_expiry (60) must be fewer days than a certificate lasts" in m for m in messages), messages
