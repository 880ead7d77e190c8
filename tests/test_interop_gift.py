"""GIFT out and in: the shipped module's export read by an independent parser (pygiftparser, from PyPI),
warnings for every item GIFT bends, a GIFT -> YAML -> GIFT round trip that keeps everything, and a
foreign Moodle file imported as a draft that says exactly what is missing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pygiftparser import parser as gift_parser
from pygiftparser.utils import transformSpecials

from cpd.content.loader import load_module
from cpd.interop import gift
from cpd.interop.bank import bank_of, problems, read_bank, write_bank
from cpd.items.registry import type_of

ROOT = Path(__file__).resolve().parent.parent
FOREIGN = Path(__file__).parent / "fixtures" / "interop" / "moodle-export.gift"


@pytest.fixture(scope="module")
def shipped():
    return load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety")


@pytest.fixture(scope="module")
def exported(shipped):
    return gift.dumps(bank_of(shipped))


def _plain(gift_text: str) -> str:
    """What a GIFT reader shows for our escaped text (pygiftparser keeps escapes until it renders)."""
    return transformSpecials(gift_text).replace("\\n", "\n").replace("\\\\", "\\")


def test_an_independent_parser_reads_every_question_answer_and_feedback_of_the_shipped_module(shipped, exported, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(exported.text, encoding="utf-8")
    with path.open(encoding="utf-8") as fh:
        parsed = gift_parser.parseFile(fh)
    items = shipped.items()
    assert [q.title for q in parsed] == [i.id for i in items]
    for q, item in zip(parsed, items, strict=True):
        assert q.valid, item.id
        assert _plain(q.text) == item.stem
        assert _plain(q.generalFeedback) == (item.feedback or "")
        body = type_of(item).gift_export(item)
        kind = "MatchingSet" if body.matching else "SelectSet" if body.one_right else "MultipleChoicesSet"
        assert type(q.answers).__name__ == kind, item.id
        got = [(_plain(a.answer).strip(), float(a.fraction), _plain(a.feedback)) for a in q.answers.answers] \
            if not body.matching else [(_plain(a.question).strip(), _plain(a.answer).strip()) for a in q.answers.answers]
        want = [(a.text, a.fraction, a.feedback.strip()) for a in body.answers] \
            if not body.matching else [(a.text, a.match) for a in body.answers]
        assert got == want, item.id


def test_every_citation_and_objective_is_in_the_file(shipped, exported):
    lines = exported.text.splitlines()
    refs = [json.loads(ln.removeprefix("// @cpd-reference ")) for ln in lines if ln.startswith("// @cpd-reference ")]
    assert refs == [r.model_dump(mode="json", exclude_none=True) for r in shipped.module.references]
    objectives = [json.loads(ln.removeprefix("// @cpd-objective ")) for ln in lines if ln.startswith("// @cpd-objective ")]
    assert objectives == [o.model_dump() for o in shipped.module.objectives]
    metas = {m["id"]: m for m in (json.loads(ln.removeprefix("// @cpd ")) for ln in lines if ln.startswith("// @cpd {"))}
    for item in shipped.items():
        assert metas[item.id]["objective"] == item.objective
        assert set(item.answer_evidence()) <= set(json.dumps(metas[item.id]).replace('"', " ").split())


def test_what_gift_cannot_hold_is_written_in_the_nearest_form_with_a_warning_naming_the_item(shipped, exported):
    bent = {i.id for i in shipped.items() if i.type in ("matrix", "rationale_pair")}
    assert bent
    named = {w.split(" ", 1)[0] for w in exported.warnings}
    assert named == bent
    for item_id in bent:  # written, not dropped
        assert f"::{item_id}::" in exported.text


def test_gift_to_yaml_to_gift_keeps_everything(shipped, exported, tmp_path):
    imported = gift.loads(exported.text, "bank")
    assert imported.notes == []
    write_bank(imported, tmp_path)
    assert problems(tmp_path) == []
    bank = read_bank(tmp_path)
    assert bank.cases == shipped.cases
    assert bank.references == tuple(shipped.module.references)
    assert bank.objectives == tuple(shipped.module.objectives)
    again = gift.dumps(bank)
    assert again.text == exported.text and again.warnings == exported.warnings


def test_special_characters_survive_the_round_trip(shipped):
    item = type_of(shipped.items()[0]).model.model_validate({
        **shipped.items()[0].model_dump(), "stem": "Is 2 = 2? {yes} ~ #1: a\\b\nnext line",
        "feedback": "50 % #win: ~maybe {x}"})
    case = shipped.cases[0].model_copy(update={"stages": [shipped.cases[0].stages[0].model_copy(update={"items": [item]})]})
    bank = bank_of(shipped)
    bank = type(bank)(bank.module_id, bank.title, bank.objectives, bank.references, (case,))
    text = gift.dumps(bank).text
    back = gift.loads(text)
    assert back.cases[0]["stages"][0]["items"][0]["stem"] == item.stem
    assert back.cases[0]["stages"][0]["items"][0]["feedback"] == item.feedback


def test_a_foreign_gift_file_becomes_a_draft_that_says_exactly_what_is_missing(tmp_path):
    imported = gift.loads(FOREIGN.read_text(encoding="utf-8"), FOREIGN.stem)
    notes = "\n".join(imported.notes)
    assert "Short: a short answer question has no item type here; left out" in notes
    assert "Essay: an essay question has no item type here; left out" in notes
    assert "question 7: a description with no answers; left out" in notes
    [case] = imported.cases
    items = case["stages"][0]["items"]
    assert [(i["id"], i["type"]) for i in items] == [
        ("storage-temperature", "single_best"), ("red-flags", "select_all"), ("findings", "matrix"), ("regulated", "single_best")]
    assert items[0]["feedback"] == "Ask for the storage conditions in writing."
    assert [o.get("correct", False) for o in items[1]["options"]] == [True, True, False]

    write_bank(imported, tmp_path)
    found = [str(e) for e in problems(tmp_path)]
    case_file = tmp_path / "questions" / "moodle-export.yaml"
    lines = case_file.read_text(encoding="utf-8").splitlines()
    for i, item in enumerate(items):
        objective = next(e for e in found if f"items[{i}].objective: is missing" in e)
        evidence = next(e for e in found if f"items[{i}].evidence:" in e)
        at = [int(re.match(rf"{re.escape(str(case_file))}:(\d+):", err).group(1)) for err in (objective, evidence)]
        assert lines[at[0] - 1].strip() == f"- id: {item['id']}"  # a missing field: at its item
        assert lines[at[1] - 1].strip() == "evidence: []"
    assert any("rows[0].rationale: is missing" in e for e in found)  # GIFT matching has no per-row feedback
    assert any("no objectives" in e for e in found) and any("no references" in e for e in found)
    with pytest.raises(ValueError):
        read_bank(tmp_path)

    # An author adds what was missing: then it validates.
    data = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    for item in data["stages"][0]["items"]:
        item["objective"], item["evidence"] = "lo-storage", ["who-2024"]
        for row in item.get("rows", []):
            row["rationale"] = "Because."
    case_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    bank = yaml.safe_load((tmp_path / "bank.yaml").read_text(encoding="utf-8"))
    bank["objectives"] = [{"id": "lo-storage", "text": "Check storage."}]
    bank["references"] = [{"id": "who-2024", "authors": "WHO", "year": 2024, "title": "Storage", "journal": "WHO",
                           "url": "https://example.org/who", "strength": "verified", "key_facts": ["Keep cold."]}]
    (tmp_path / "bank.yaml").write_text(yaml.safe_dump(bank), encoding="utf-8")
    assert problems(tmp_path) == []
    assert len(read_bank(tmp_path).cases[0].items()) == 4


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cpd", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_cli_exports_and_imports_gift(tmp_path, exported):
    out = tmp_path / "bank.gift"
    run = _cli("export", "--format", "gift", "exosome-safety", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == exported.text
    assert run.stderr.count("warning: ") == len(exported.warnings)
    run = _cli("import", "--format", "gift", str(out), "--out", str(tmp_path / "back"))
    assert run.returncode == 0 and "OK: 35 item(s) in 8 case(s) validate" in run.stdout, run.stderr
    run = _cli("import", "--format", "gift", str(FOREIGN), "--out", str(tmp_path / "draft"))
    assert run.returncode == 0
    assert "DRAFT:" in run.stderr and "items[0].objective: is missing (required)" in run.stderr
    assert "note: Short: a short answer question has no item type here; left out" in run.stderr
    assert _cli("export", "--format", "gift", "no-such-module").returncode == 2
