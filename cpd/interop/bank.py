"""A question bank as files: what an import writes (case YAML under ``questions/``, objectives and
references in ``bank.yaml``) and what an export reads, whether it comes from a module or from an import.

An import never writes into the project's own ``modules/`` or ``questions/``: it
writes a folder an author reviews, completes and moves by hand (content stays in
YAML under version control).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from cpd.content.loader import LoadedModule, pydantic_errors
from cpd.content.models import Case, Objective, Reference
from cpd.content.yaml_source import ContentError, read_yaml

BANK_FILE = "bank.yaml"


@dataclass(frozen=True)
class Bank:
    """Validated content to export: the module's name, its objectives and references, and its cases in order."""

    module_id: str
    title: str
    objectives: tuple[Objective, ...]
    references: tuple[Reference, ...]
    cases: tuple[Case, ...]


def bank_of(loaded: LoadedModule) -> Bank:
    m = loaded.module
    return Bank(m.id, m.title, tuple(m.objectives), tuple(m.references), loaded.cases)


@dataclass
class Imported:
    """What an import read, as plain data (a foreign file's drafts do not validate yet), and what it said."""

    module_id: str
    title: str
    objectives: list[dict[str, Any]] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # questions left out, and why


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data and not any(c in data for c in "\t\r") and data == data.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")  # a slug: no '/', never '..' (it cannot start with '.')


def _file_name(case: dict[str, Any], n: int) -> str:
    """The case's id when it is a slug; else ``case-N``: an id read from a file never picks where we write."""
    case_id = case.get("id")
    return case_id if isinstance(case_id, str) and _FILE_NAME.fullmatch(case_id) else f"case-{n}"


def write_bank(imported: Imported, out: Path) -> list[Path]:
    """Write the import as files an author can review, all inside ``out``; returns the paths written."""
    (out / "questions").mkdir(parents=True, exist_ok=True)
    written = [out / BANK_FILE]
    bank = {"module": {"id": imported.module_id, "title": imported.title},
            "objectives": imported.objectives, "references": imported.references,
            "cases": [c.get("id") for c in imported.cases]}  # the module's order of its cases
    (out / BANK_FILE).write_text(dump_yaml(bank), encoding="utf-8")
    for n, case in enumerate(imported.cases, start=1):
        path = out / "questions" / f"{_file_name(case, n)}.yaml"
        path.write_text(dump_yaml(case), encoding="utf-8")
        written.append(path)
    return written


def problems(out: Path) -> list[ContentError]:
    """Every reason the written bank does not validate yet, each with its file, line and field."""
    errors: list[ContentError] = []
    doc = read_yaml(out / BANK_FILE, str(out / BANK_FILE))
    data = doc.data or {}
    for key, model in (("objectives", Objective), ("references", Reference)):
        entries = data.get(key) or []
        if not entries:
            errors.append(ContentError(doc.file, 1, key, f"no {key}: add the module's {key} before the cases can be used"))
        try:
            TypeAdapter(list[model]).validate_python(entries)  # type: ignore[valid-type]
        except ValidationError as exc:
            errors += pydantic_errors(doc, exc, prefix=(key,))
    objectives = {o.get("id") for o in data.get("objectives") or [] if isinstance(o, dict)}
    references = {r.get("id") for r in data.get("references") or [] if isinstance(r, dict)}
    for path in sorted((out / "questions").glob("*.yaml")):
        case_doc = read_yaml(path, str(path))
        try:
            case = Case.model_validate(case_doc.data)
        except ValidationError as exc:
            errors += pydantic_errors(case_doc, exc)
            continue
        for si, stage in enumerate(case.stages):
            for ii, item in enumerate(stage.items):
                base = ("stages", si, "items", ii)
                if item.objective not in objectives:
                    errors.append(case_doc.error((*base, "objective"), f"unknown learning objective {item.objective!r}"))
                for loc, ids in item.evidence_sites():
                    for k, ref in enumerate(ids):
                        if ref not in references:
                            errors.append(case_doc.error((*base, *loc, k), f"unknown reference {ref!r}"))
    return errors


def read_bank(out: Path) -> Bank:
    """A written bank back as validated content (raises ValueError naming every problem)."""
    found = problems(out)
    if found:
        raise ValueError("the bank does not validate:\n" + "\n".join(map(str, found)))
    data = yaml.safe_load((out / BANK_FILE).read_text(encoding="utf-8"))
    cases = [Case.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
             for p in sorted((out / "questions").glob("*.yaml"))]
    order = {case_id: i for i, case_id in enumerate(data.get("cases") or [])}
    cases.sort(key=lambda c: order.get(c.id, len(order)))
    return Bank(data["module"]["id"], data["module"]["title"],
                tuple(Objective.model_validate(o) for o in data["objectives"]),
                tuple(Reference.model_validate(r) for r in data["references"]), tuple(cases))

