"""Load every module and case, and check them against each other.

Errors are collected, never raised one at a time: an author fixing content
wants the whole list in one run.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cpd.content import item_writing
from cpd.content.models import Case, EvidenceStrength, Item, Module, Reference
from cpd.content.yaml_source import ContentError, YamlDocument, read_yaml
from cpd.items.registry import type_of

Site = tuple[YamlDocument, tuple[str | int, ...]]  # an item's file and its place in it


@dataclass
class ContentSet:
    modules: dict[str, Module] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)
    # Item-writing figures per module id, for modules whose cases all loaded (``cpd.content.item_writing``).
    writing: dict[str, item_writing.Summary] = field(default_factory=dict)
    _docs: dict[str, YamlDocument] = field(default_factory=dict)  # by "module:<id>" / "case:<id>"
    _failed_cases: set[str] = field(default_factory=set)  # ids of case files that did not validate

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        items = [item for case in self.cases.values() for item in case.items()]
        by_type = Counter(item.type for item in items)
        refs = {r.id for m in self.modules.values() for r in m.references}
        return {
            "modules": len(self.modules),
            "cases": len(self.cases),
            "items": len(items),
            "items_by_type": dict(sorted(by_type.items())),
            "references": len(refs),
        }


@dataclass(frozen=True)
class LoadedModule:
    """A module with its cases resolved, in order; what the engine runs."""

    module: Module
    cases: tuple[Case, ...]
    content_hash: str

    def items(self) -> list[Item]:
        return [item for case in self.cases for item in case.items()]

    def item(self, item_id: str) -> Item:
        return self.item_index()[item_id]

    def item_index(self) -> dict[str, Item]:
        return self._items

    def reference(self, ref_id: str) -> Reference:
        return self._references[ref_id]

    @cached_property
    def _items(self) -> dict[str, Item]:  # built once: pages look items up on every rerun
        return {item.id: item for case in self.cases for item in case.items()}

    @cached_property
    def _references(self) -> dict[str, Reference]:
        return {r.id: r for r in self.module.references}


def content_hash(module: Module, cases: list[Case] | tuple[Case, ...]) -> str:
    """SHA-256 over the canonical JSON of a module and its cases: scores are tied to it."""
    payload = {"module": module.model_dump(mode="json"), "cases": [c.model_dump(mode="json") for c in cases]}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def _yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted([*p.rglob("*.yaml"), *p.rglob("*.yml")]))
        else:
            files.append(p)
    return files


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def pydantic_errors(doc: YamlDocument, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[ContentError]:
    """A pydantic error list in authors' terms, each at its file, line and field (``prefix``: where the data sat)."""
    return _pydantic_errors(doc, exc, prefix)


def _pydantic_errors(doc: YamlDocument, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[ContentError]:
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is missing (required)"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        out.append(doc.error((*prefix, *err["loc"]), msg))
    return out


def load_content(paths: list[Path]) -> ContentSet:
    """Parse and validate every YAML file under ``paths``; never raises for content errors."""
    content = ContentSet()
    for path in _yaml_files(paths):
        display = _display(path)
        if not path.exists():
            content.errors.append(ContentError(display, None, "", "no such file or folder"))
            continue
        try:
            doc = read_yaml(path, display)
        except ContentError as err:
            content.errors.append(err)
            continue
        _parse(doc, content)
    _cross_check(content)
    return content


def _parse(doc: YamlDocument, content: ContentSet) -> None:
    data = doc.data
    if not isinstance(data, dict):
        content.errors.append(ContentError(doc.file, 1, "", "expected a mapping of fields at the top level"))
        return
    model: type[Case] | type[Module]
    if "stages" in data:
        kind, model = "case", Case
    elif "cases" in data:
        kind, model = "module", Module
    else:
        content.errors.append(
            ContentError(doc.file, 1, "", "cannot tell a module (has 'cases') from a case (has 'stages')")
        )
        return
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        content.errors.extend(_pydantic_errors(doc, exc))
        if kind == "case" and isinstance(data.get("id"), str):
            content._failed_cases.add(data["id"])  # its errors are reported; spare the follow-on ones
        return
    registry: dict[str, Any] = content.modules if kind == "module" else content.cases
    if obj.id in registry:
        first = content._docs[f"{kind}:{obj.id}"].file
        content.errors.append(doc.error(("id",), f"duplicate {kind} id {obj.id!r} (also in {first})"))
        return
    registry[obj.id] = obj
    content._docs[f"{kind}:{obj.id}"] = doc
    _check_unique_ids(doc, obj, content)


def _dupes(values: list[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def _check_unique_ids(doc: YamlDocument, obj: Module | Case, content: ContentSet) -> None:
    def flag(loc: tuple, ids: list[str], what: str) -> None:
        for dup in sorted(_dupes(ids)):
            idx = len(ids) - 1 - ids[::-1].index(dup)
            content.errors.append(doc.error((*loc, idx, "id"), f"duplicate {what} id {dup!r}"))

    if isinstance(obj, Module):
        flag(("objectives",), [o.id for o in obj.objectives], "objective")
        flag(("references",), [r.id for r in obj.references], "reference")
        return
    flag(("stages",), [s.id for s in obj.stages], "stage")
    for si, stage in enumerate(obj.stages):
        flag(("stages", si, "items"), [i.id for i in stage.items], "item")
        for ii, item in enumerate(stage.items):
            for part, subs in item.id_lists():
                flag(("stages", si, "items", ii, part), [o.id for o in subs], part.rstrip("s"))


def _cross_check(content: ContentSet) -> None:
    errors = content.errors
    # An item id must be unique across all cases: responses are stored by item id.
    seen_items: dict[str, str] = {}
    for case in content.cases.values():
        doc = content._docs[f"case:{case.id}"]
        for si, stage in enumerate(case.stages):
            for ii, item in enumerate(stage.items):
                if item.id in seen_items and seen_items[item.id] != f"{case.id}/{stage.id}":
                    errors.append(
                        doc.error(("stages", si, "items", ii, "id"), f"duplicate item id {item.id!r} (also in case {seen_items[item.id]})")
                    )
                seen_items.setdefault(item.id, f"{case.id}/{stage.id}")

    used_cases: set[str] = set()
    for module in content.modules.values():
        mdoc = content._docs[f"module:{module.id}"]
        refs: dict[str, Any] = {}
        for ref in module.references:
            refs.setdefault(ref.id, ref)  # a duplicate is reported once; citations keep the first
        objectives = {o.id for o in module.objectives}
        cited: set[str] = set()
        module_items: set[str] = set()
        writing_items: list[item_writing.Item[Site]] = []
        complete = True  # all its cases loaded: only then can "unused" be judged
        for ci, case_id in enumerate(module.cases):
            maybe_case = content.cases.get(case_id)
            if maybe_case is None and case_id in content._failed_cases:
                complete = False
                continue
            if maybe_case is None:
                errors.append(mdoc.error(("cases", ci), f"case {case_id!r} does not exist (no file in questions/ has this id)"))
                continue
            case = maybe_case
            used_cases.add(case_id)
            cdoc = content._docs[f"case:{case_id}"]
            for si, stage in enumerate(case.stages):
                for ii, item in enumerate(stage.items):
                    base = ("stages", si, "items", ii)
                    module_items.add(item.id)
                    kind = type_of(item)
                    writing_items.append(item_writing.Item((cdoc, base), kind.lead_ins(item), kind.option_sets(item)))
                    if item.objective not in objectives:
                        errors.append(cdoc.error((*base, "objective"), f"unknown learning objective {item.objective!r} in module {module.id!r}"))
                    for loc, ids in item.evidence_sites():
                        for k, ref_id in enumerate(ids):
                            if ref_id in refs:
                                cited.add(ref_id)
                            else:
                                errors.append(cdoc.error((*base, *loc, k), f"unknown reference {ref_id!r}"))
                    strengths = [refs[r].strength for r in item.answer_evidence() if r in refs]
                    if strengths and EvidenceStrength.verified not in strengths:
                        errors.append(
                            cdoc.error((*base, "evidence"), "the correct answer cites no verified evidence "
                                       f"(only {', '.join(sorted({s.value for s in strengths}))}); a scored answer must rest on a verified source")
                        )
        if not complete:
            continue
        _check_item_writing(content, module.id, writing_items)
        for ri, ref in enumerate(module.references):
            if ref.id not in cited:
                errors.append(mdoc.error(("references", ri, "id"), f"unused reference {ref.id!r}: no item cites it"))
        for pi, item_id in enumerate(module.pretest):
            if item_id not in module_items:
                errors.append(mdoc.error(("pretest", pi), f"unknown item {item_id!r}: pre-test items must come from the module's cases"))
    for case_id in content.cases:
        if case_id not in used_cases:
            errors.append(content._docs[f"case:{case_id}"].error(("id",), f"case {case_id!r} is not used by any module"))


def _check_item_writing(content: ContentSet, module_id: str, items: list[item_writing.Item[Site]]) -> None:
    """The item-writing rules over one module; a case two modules share is reported once."""
    summary, findings = item_writing.review(module_id, items)
    content.writing[module_id] = summary
    shown = {str(e) for e in content.errors}
    for f in findings:
        doc, base = f.site
        err = doc.error((*base, *f.where), f.message)
        if str(err) not in shown:
            shown.add(str(err))
            content.errors.append(err)


def resolve_module(content: ContentSet, module_id: str) -> LoadedModule:
    """The runnable form of one module; call only on content without errors."""
    if not content.ok:
        raise ValueError("content has errors:\n" + "\n".join(map(str, content.errors)))
    module = content.modules[module_id]
    cases = tuple(content.cases[c] for c in module.cases)
    return LoadedModule(module, cases, content_hash(module, cases))


def load_module(paths: list[Path], module_id: str) -> LoadedModule:
    return resolve_module(load_content(paths), module_id)
