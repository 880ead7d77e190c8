"""Checks on the shipped exosome-safety content (modules/ and questions/).

Besides schema validation (done by the loader), these tests enforce the module's evidence rules:

* every learning objective is tested by at least 3 items;
* every reference cited exists, and every reference listed is cited;
* **numbers in feedback must come from the evidence.** Every number in an item's ``feedback`` and in
  every option/row ``rationale`` must appear in the ``key_facts`` of a reference the text may lean on:
  for a rationale, the item's ``evidence`` plus that option's (or row's) own ``evidence``; for the
  item ``feedback``, the item's ``evidence`` plus the evidence of all its options and rows.
  The rule, applied identically to the feedback text and to the key facts:

  - a number is a run of digits with optional decimal parts (``6.9``, ``32.5``) and an optional
    power (``10^8`` is one token, so ``6.9 x 10^8`` gives ``6.9`` and ``10^8``);
  - a comma followed by exactly three digits is a thousands separator (``4,350`` = ``4350``); any
    other comma is a decimal comma (``6,9`` = ``6.9``);
  - a percent sign is ignored, so ``62 %`` and ``62%`` are both ``62``;
  - digits glued to letters are part of a name, not a figure (``CD63``, ``MISEV2018``, ``TSG101``,
    ``CO2``, ``PMC9063275``) and are skipped;
  - a four-digit number equal to the ``year`` of a reference the text may lean on counts as a
    citation year ("Shelke and colleagues (2014)") and is accepted;
  - there is no exemption for list numbering: feedback does not use numbered lists, so a stray
    ``1.`` would be flagged like any other figure.

* all four item types are used; at least 6 cases and 30 items;
* no option text says "all of the above" / "none of the above";
* the source text's 62 %/17 % figures appear only in item feedback or rationales that attribute them
  to Rahman and call them unverified, in items that cite the unverified percentages reference, and in
  that reference's key facts (strength ``unverified``) - nowhere else;
* no reference is the unidentified "Wang et al. (2024)".

The number checker and the percentage checker are also run on small inline counter-examples, so a
checker that silently passes everything would fail here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpd.content.loader import load_content
from cpd.content.models import EvidenceStrength, Reference

ROOT = Path(__file__).parent.parent
MODULE_ID = "exosome-safety"
PERCENT_REF = "rahman-2024-percentages"

NUM_RE = re.compile(r"(?<![A-Za-z0-9.,^])\d+(?:[.,]\d+)*(?:\^\d+)?")
SOURCE_PERCENT_RE = re.compile(r"(?<![\d.,])(62|17)\s?%")


# --- helpers -----------------------------------------------------------------------------------

def numbers_in(text: str) -> set[str]:
    """The numbers in a text, normalised as described in the module docstring."""
    out = set()
    for tok in NUM_RE.findall(text or ""):
        base, _, power = tok.partition("^")
        if re.fullmatch(r"\d{1,3}(,\d{3})+", base):
            base = base.replace(",", "")
        else:
            base = base.replace(",", ".")
        out.add(f"{base}^{power}" if power else base)
    return out


def allowed_numbers(refs: list[Reference]) -> set[str]:
    allowed = {str(r.year) for r in refs}
    for r in refs:
        for fact in r.key_facts:
            allowed |= numbers_in(fact)
    return allowed


def unsupported_numbers(text: str, refs: list[Reference]) -> set[str]:
    return numbers_in(text) - allowed_numbers(refs)


def parts_of(item):
    """Options, actions, reasons and rows: everything with a rationale and its own evidence."""
    for part in ("options", "actions", "reasons", "rows"):
        yield from getattr(item, part, [])


def learner_texts(item):
    """(label, text) for every text of an item that the learner reads."""
    yield "stem", item.stem
    if item.feedback:
        yield "feedback", item.feedback
    for col in getattr(item, "columns", []):
        yield f"column {col.id}", col.text
    for p in parts_of(item):
        yield f"{p.id} text", p.text
        yield f"{p.id} rationale", p.rationale


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def content():
    return load_content([ROOT / "modules", ROOT / "questions"])


@pytest.fixture(scope="module")
def module(content):
    return content.modules[MODULE_ID]


@pytest.fixture(scope="module")
def items(content, module):
    return [item for cid in module.cases for item in content.cases[cid].items()]


@pytest.fixture(scope="module")
def refs(module):
    return {r.id: r for r in module.references}


# --- the checkers themselves can fail --------------------------------------------------------------

def _ref(key_facts, year=2014, rid="r"):
    return Reference(id=rid, authors="A", year=year, title="T", journal="J", doi="10.1/x",
                     strength="verified", key_facts=key_facts)


def test_number_parser_rules():
    assert numbers_in("about 95 % and 95%") == {"95"}
    assert numbers_in("6.9 x 10^8 EVs/mL") == {"6.9", "10^8"}
    assert numbers_in("6,9 x 10^8") == {"6.9", "10^8"}
    assert numbers_in("4,350 articles") == {"4350"}
    assert numbers_in("CD9, CD63, CD81, TSG101, MISEV2018, CO2") == set()
    assert numbers_in("in 2019.") == {"2019"}
    assert numbers_in("aged 26-52") == {"26", "52"}


def test_number_checker_catches_a_counter_example():
    ref = _ref(["An 18 h spin removed about 95% of vesicles; 1.5 h was insufficient."])
    # supported figures, a percent written differently, and the reference's year pass
    assert unsupported_numbers("Shelke (2014): 18 h removed about 95 %; 1.5 h was not enough.", [ref]) == set()
    # an invented figure, a wrong decimal and a wrong year are caught
    assert unsupported_numbers("An 18 h spin removed 99 % of vesicles.", [ref]) == {"99"}
    assert unsupported_numbers("A 2.5 h spin was insufficient.", [ref]) == {"2.5"}
    assert unsupported_numbers("Shelke (2015) showed this.", [ref]) == {"2015"}
    # a figure from a reference the text does not cite is not accepted
    other = _ref(["6.9 x 10^8 EVs/mL remained."], year=2018, rid="o")
    assert unsupported_numbers("About 6.9 x 10^8 EVs/mL remained.", [ref]) == {"6.9", "10^8"}
    assert unsupported_numbers("About 6.9 x 10^8 EVs/mL remained.", [ref, other]) == set()


def percent_problems(label: str, text: str, cites_percent_ref: bool) -> list[str]:
    """Why a text's use of the source text's 62 %/17 % figures breaks the attribution rule."""
    if not SOURCE_PERCENT_RE.search(text):
        return []
    problems = []
    if not cites_percent_ref:
        problems.append(f"{label}: 62 %/17 % without citing {PERCENT_REF}")
    if "Rahman" not in text:
        problems.append(f"{label}: 62 %/17 % not attributed to Rahman et al. 2024")
    if "unverified" not in text.lower():
        problems.append(f"{label}: 62 %/17 % not marked unverified")
    return problems


def test_percentage_checker_catches_a_counter_example():
    bad = "Only 17 % of studies followed MISEV (Fujita 2024)."
    assert len(percent_problems("x", bad, cites_percent_ref=False)) == 3
    good = "The source text reports 62 % and 17 %; probably from Rahman et al. 2024, unverified."
    assert percent_problems("x", good, cites_percent_ref=True) == []
    assert percent_problems("x", "17 systematic reviews covering 556 studies", cites_percent_ref=False) == []


# --- the shipped content ---------------------------------------------------------------------------

def test_content_validates(content):
    assert content.ok, "\n".join(map(str, content.errors))
    assert MODULE_ID in content.modules


def test_size_and_item_types(module, items):
    assert len(module.cases) >= 6
    assert len(items) >= 30
    assert {i.type for i in items} == {"single_best", "select_all", "matrix", "rationale_pair"}
    assert any(getattr(i, "certainty", False) for i in items)
    assert module.delivery.certainty_based_marking


def test_each_objective_tested_by_three_items(module, items):
    counts = {o.id: 0 for o in module.objectives}
    for item in items:
        counts[item.objective] += 1
    thin = {k: v for k, v in counts.items() if v < 3}
    assert not thin, f"objectives with fewer than 3 items: {thin}"
    assert 5 <= len(module.objectives) <= 7


def test_references_cited_and_listed(module, items, refs):
    cited = set()
    for item in items:
        cited |= set(item.evidence)
        for p in parts_of(item):
            cited |= set(p.evidence)
    assert cited - set(refs) == set(), "cited but not listed"
    assert set(refs) - cited == set(), "listed but never cited"


def test_numbers_in_feedback_come_from_cited_key_facts(items, refs):
    problems = []
    for item in items:
        sub_evidence = [e for p in parts_of(item) for e in p.evidence]
        feedback_refs = [refs[r] for r in {*item.evidence, *sub_evidence}]
        bad = unsupported_numbers(item.feedback or "", feedback_refs)
        if bad:
            problems.append(f"{item.id} feedback: {sorted(bad)}")
        for p in parts_of(item):
            part_refs = [refs[r] for r in {*item.evidence, *p.evidence}]
            bad = unsupported_numbers(p.rationale, part_refs)
            if bad:
                problems.append(f"{item.id}/{p.id} rationale: {sorted(bad)}")
    assert not problems, "numbers not found in the cited references' key facts:\n" + "\n".join(problems)


def test_no_all_or_none_of_the_above(items):
    pattern = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)
    offenders = [f"{i.id}/{p.id}" for i in items for p in parts_of(i) if pattern.search(p.text)]
    assert not offenders


def test_source_percentages_only_attributed(content, module, items, refs):
    problems = []
    for item in items:
        cites = PERCENT_REF in item.evidence or any(PERCENT_REF in p.evidence for p in parts_of(item))
        for label, text in learner_texts(item):
            if label == "stem" or label.endswith(" text") or label.startswith("column"):
                if SOURCE_PERCENT_RE.search(text):
                    problems.append(f"{item.id} {label}: the figures belong in feedback, not in the question")
                continue
            problems += percent_problems(f"{item.id} {label}", text, cites)
    for cid in module.cases:
        case = content.cases[cid]
        for text in (case.title, case.summary, *(s.narrative for s in case.stages), *(s.title for s in case.stages)):
            if SOURCE_PERCENT_RE.search(text):
                problems.append(f"{cid}: 62 %/17 % in a narrative or summary")
    if SOURCE_PERCENT_RE.search(module.summary):
        problems.append("module summary quotes 62 %/17 %")
    for ref in module.references:
        if any(SOURCE_PERCENT_RE.search(f) for f in ref.key_facts) and ref.id != PERCENT_REF:
            problems.append(f"reference {ref.id} carries 62 %/17 %")
    assert not problems, "\n".join(problems)
    pref = refs[PERCENT_REF]
    assert pref.strength is EvidenceStrength.unverified
    facts = " ".join(pref.key_facts)
    assert re.search(r"62\s?%", facts) and re.search(r"17\s?%", facts)
    assert "Rahman" in pref.authors
    # no DOI of a paper that does not contain the figures
    assert pref.doi is None
    # the verified overview is listed too, with its verified counts
    rahman = refs["rahman-2024"]
    assert rahman.strength is EvidenceStrength.verified
    assert {"17", "556"} <= numbers_in(" ".join(rahman.key_facts))


def test_no_correct_answer_rests_only_on_the_percentages(items, refs):
    for item in items:
        strengths = {refs[r].strength for r in item.answer_evidence()}
        assert EvidenceStrength.verified in strengths, item.id


def test_no_reference_named_wang(module):
    for ref in module.references:
        assert not re.search(r"\bWang\b", f"{ref.authors} {ref.title}"), ref.id


def test_pretest_items_exist(module, items):
    ids = {i.id for i in items}
    assert 4 <= len(module.pretest) <= 6
    assert set(module.pretest) <= ids


def unintroduced_references(stem: str) -> list[str]:
    """Phrases like "this vial" whose noun the stem has not introduced earlier (it lives in the case)."""
    missing = []
    for m in re.finditer(r"\b(?:this|these|the same)\s+([a-z-]+)", stem, re.IGNORECASE):
        noun = m.group(1).lower().rstrip("s")
        if noun not in stem[: m.start()].lower():
            missing.append(m.group(0))
    return missing


def test_pretest_checker_catches_a_counter_example():
    assert unintroduced_references("Which cue matters most for the risk of using this vial today?") == ["this vial"]
    assert unintroduced_references("A vial is labelled X. What is the risk of using this vial?") == []


def test_pretest_items_stand_alone(module, items):
    """A pre-test question is shown before its case, so its stem carries the scenario it needs."""
    by_id = {i.id: i for i in items}
    problems = []
    for item_id in module.pretest:
        stem = by_id[item_id].stem
        if len(stem.split()) < 20:
            problems.append(f"{item_id}: stem too short to carry its scenario ({len(stem.split())} words)")
        if bad := unintroduced_references(stem):
            problems.append(f"{item_id}: refers to {bad} without introducing it")
    assert not problems, "\n".join(problems)
