"""QTI 3.0 content packages: a module's items as ``qti-assessment-item`` files, its cases and stages as
a ``qti-assessment-test``, and ``imsmanifest.xml`` listing them (``schemaversion`` 3.0.0, the only value
the manifest schema allows); and our own packages read back.

Each item type maps itself to the nearest QTI interaction and writes response
rules that score as it does (``ItemType.qti_export``); this module writes what
every item shares: SCORE, MAXSCORE and FEEDBACK, the stem, the general feedback
(a modal feedback shown after the answer) and the objective, evidence ids and
type as ``class`` tokens on the item body, which players ignore and our import
reads back. Reading uses lxml with entities and network access off.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from cpd.content.models import Case, Item
from cpd.interop.bank import Bank, Imported
from cpd.interop.qti_xml import NS, Element, Q, el, find, qid, set_outcome, slug, value
from cpd.items.registry import TYPES
from cpd.text import quoted

CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ITEM_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0p1_v1p0.xsd"
CP_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
MAX_PART = 5 * 1024 * 1024  # no file in a question package is this big; refuse zip bombs early
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _outcome(identifier: str, cardinality: str, base_type: str, default: str | None = None) -> Element:
    return el("qti-outcome-declaration", {"identifier": identifier, "cardinality": cardinality, "base-type": base_type},
              el("qti-default-value", None, el("qti-value", None, default)) if default is not None else None)


def _tokens(item: Item) -> str:
    tokens = [f"cpd-type-{item.type}", f"cpd-objective-{item.objective}", *(f"cpd-ev-{e}" for e in item.evidence)]
    if item.certainty:
        tokens.append("cpd-certainty")
    return " ".join(tokens)


def item_element(item: Item) -> Element:
    """One ``qti-assessment-item``; its response processing scores as our engine does."""
    item_type = TYPES[item.type]
    parts = item_type.qti_export(item)
    root = el("qti-assessment-item", {
        f"{{{XSI}}}schemaLocation": f"{NS} {ITEM_XSD}", "identifier": qid(item.id), "title": item.id,
        "adaptive": "false", "time-dependent": "false", XML_LANG: "en"})
    root.extend(parts.declarations)
    root.append(_outcome("SCORE", "single", "float", "0"))
    root.append(_outcome("MAXSCORE", "single", "float", format(item_type.max_points(item), "g")))
    root.append(_outcome("FEEDBACK", "multiple", "identifier"))
    root.extend(parts.outcomes)
    root.append(el("qti-item-body", {"class": _tokens(item)}, el("p", {"class": "cpd-stem"}, item.stem), *parts.body))
    rules = list(parts.processing)
    if item.feedback:
        rules.append(set_outcome("FEEDBACK", el("qti-multiple", None, el("qti-variable", {"identifier": "FEEDBACK"}),
                                                value("identifier", "GENERAL"))))
    root.append(el("qti-response-processing", None, *rules))
    if item.feedback:
        root.append(el("qti-modal-feedback", {"outcome-identifier": "FEEDBACK", "identifier": "GENERAL",
                                              "show-hide": "show", "title": "Feedback"},
                       el("qti-content-body", None, el("p", None, item.feedback))))
    return root


def _rubric(text: str, cls: str) -> Element:
    return el("qti-rubric-block", {"view": "candidate", "use": "instructions", "class": cls},
              el("qti-content-body", None, el("p", None, text)))


def test_element(bank: Bank) -> Element:
    """The module as a ``qti-assessment-test``: one section per case, one per stage inside it, in order."""
    def case_section(case: Case) -> Element:
        stages = [el("qti-assessment-section", {"identifier": qid(f"{case.id}.{s.id}"), "title": s.title, "visible": "true"},
                     _rubric(s.narrative, "cpd-narrative"),
                     *(el("qti-assessment-item-ref", {"identifier": qid(i.id), "href": f"items/{i.id}.xml"}) for i in s.items))
                  for s in case.stages]
        return el("qti-assessment-section", {"identifier": qid(case.id), "title": case.title, "visible": "true"},
                  _rubric(case.summary, "cpd-summary"), *stages)

    return el("qti-assessment-test", {f"{{{XSI}}}schemaLocation": f"{NS} {ITEM_XSD}", "identifier": qid(bank.module_id),
                                      "title": bank.title},
              el("qti-test-part", {"identifier": "cases", "navigation-mode": "linear", "submission-mode": "individual"},
                 *(case_section(c) for c in bank.cases)))


def _cp(tag: str, attrs: dict[str, str] | None = None, *children: Element | str | None) -> Element:
    node = etree.Element(f"{{{CP_NS}}}{tag}", attrs or {})
    for child in children:
        if isinstance(child, str):
            node.text = child
        elif child is not None:
            node.append(child)
    return node


def manifest_element(bank: Bank) -> Element:
    items = [i for c in bank.cases for i in c.items()]
    test = _cp("resource", {"identifier": "test", "type": "imsqti_test_xmlv3p0", "href": "test.xml"},
               _cp("file", {"href": "test.xml"}),
               *(_cp("dependency", {"identifierref": qid(i.id)}) for i in items))
    resources = [_cp("resource", {"identifier": qid(i.id), "type": "imsqti_item_xmlv3p0", "href": f"items/{i.id}.xml"},
                     _cp("file", {"href": f"items/{i.id}.xml"})) for i in items]
    return _cp("manifest", {f"{{{XSI}}}schemaLocation": f"{CP_NS} {CP_XSD}", "identifier": f"MANIFEST-{qid(bank.module_id)}"},
               _cp("metadata", None, _cp("schema", None, "QTI Package"), _cp("schemaversion", None, "3.0.0")),
               _cp("organizations"), _cp("resources", None, test, *resources))


def xml_bytes(node: Element) -> bytes:
    return etree.tostring(node, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def package(bank: Bank) -> bytes:
    """The content package as zip bytes: imsmanifest.xml, test.xml and items/<id>.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", xml_bytes(manifest_element(bank)))
        zf.writestr("test.xml", xml_bytes(test_element(bank)))
        for case in bank.cases:
            for item in case.items():
                zf.writestr(f"items/{item.id}.xml", xml_bytes(item_element(item)))
    return buffer.getvalue()


# --- reading our own packages back ---------------------------------------------------------------

class PackageError(ValueError):
    """The file is not a QTI package we can read; the message says why."""


# What zipfile raises on a damaged archive besides BadZipFile: a bad CRC, a cut deflate stream, an
# unsupported compression method or an encrypted member.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


def _read(zf: zipfile.ZipFile, name: str) -> Element:
    """One XML file of the package; every way it can fail is a PackageError naming the file."""
    shown = name if len(name) <= 80 and name.isprintable() else quoted(name, 80)  # a name from the manifest
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise PackageError(f"the package lists {shown} but does not contain it") from None
    if info.file_size > MAX_PART:
        raise PackageError(f"{shown} is larger than {MAX_PART // 1024 // 1024} MB")
    try:
        data = zf.read(name)
    except UNREADABLE:  # a damaged or encrypted member: the zip's own check fails on reading it
        raise PackageError(f"{shown} cannot be read: the zip file is damaged or encrypted") from None
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"{shown} is not well-formed XML: {str(exc)[:200]}") from None


def _text(node: Element | None) -> str:
    return "" if node is None else "".join(node.itertext())


def read_item(root: Element) -> dict[str, Any] | None:
    """One item back as content data, or None when no item type of ours reads it."""
    body = root.find(Q + "qti-item-body")
    if body is None:
        return None
    tokens = (body.get("class") or "").split()
    declarations = root.findall(Q + "qti-response-declaration")
    type_name = next((t.removeprefix("cpd-type-") for t in tokens if t.startswith("cpd-type-")), None)
    if type_name in TYPES:
        fields = TYPES[type_name].qti_import(body, declarations)
    else:
        found = next(((n, f) for n, t in TYPES.items() if (f := t.qti_import(body, declarations)) is not None), None)
        type_name, fields = found if found else (None, None)
    if fields is None or type_name is None:
        return None
    item: dict[str, Any] = {"id": slug(root.get("identifier", "")), "type": type_name}
    objective = next((t.removeprefix("cpd-objective-") for t in tokens if t.startswith("cpd-objective-")), None)
    if objective:
        item["objective"] = objective
    stem = body.find(Q + "p")
    item["stem"] = _text(stem)
    item["evidence"] = [t.removeprefix("cpd-ev-") for t in tokens if t.startswith("cpd-ev-")]
    if "cpd-certainty" in tokens:
        item["certainty"] = True
    general = next((m for m in root.iter(Q + "qti-modal-feedback") if m.get("identifier") == "GENERAL"), None)
    if general is not None:
        item["feedback"] = _text(find(general, "p"))
    return {**item, **fields}


@dataclass(frozen=True)
class _Ref:
    case: str
    stage: str


def unpack(data: bytes, name: str = "imported") -> Imported:
    """Read a package we wrote (or any whose items our types read): cases and stages from its test."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except UNREADABLE:
        raise PackageError("not a zip file (a QTI content package is a zip with imsmanifest.xml)") from None
    with zf:
        manifest = _read(zf, "imsmanifest.xml")
        version = manifest.findtext(f".//{{{CP_NS}}}schemaversion")
        resources = manifest.findall(f".//{{{CP_NS}}}resource")
        result = Imported(name, name)
        if version != "3.0.0":
            result.notes.append(f"the manifest says schemaversion {version!r}, not 3.0.0; read as QTI 3.0 anyway")
        items: dict[str, dict[str, Any]] = {}
        for res in resources:
            if res.get("type") != "imsqti_item_xmlv3p0":
                continue
            href = res.get("href") or ""
            item = read_item(_read(zf, href))
            if item is None:
                result.notes.append(f"{href}: no item type here reads this item; left out")
            else:
                items[res.get("identifier", "")] = item
        test_res = next((r for r in resources if r.get("type") == "imsqti_test_xmlv3p0"), None)
        if test_res is None:
            result.cases.append({"id": slug(qid(name.lower())), "title": name, "summary": f"Draft imported from {name}.",
                                 "stages": [{"id": "questions", "title": "Questions", "narrative": f"Imported from {name}.",
                                             "items": list(items.values())}]})
            return result
        test = _read(zf, test_res.get("href") or "")
        result.module_id, result.title = slug(test.get("identifier", name)), test.get("title", name)
        for section in test.iter(Q + "qti-assessment-section"):
            if section.getparent() is None or section.getparent().tag != Q + "qti-test-part":
                continue
            case: dict[str, Any] = {"id": slug(section.get("identifier", "")), "title": section.get("title", ""),
                                    "summary": _text(find(section, "p")), "stages": []}
            for sub in section.findall(Q + "qti-assessment-section"):
                stage_id = slug(sub.get("identifier", "")).removeprefix(case["id"] + ".")
                refs = [r.get("identifier", "") for r in sub.findall(Q + "qti-assessment-item-ref")]
                case["stages"].append({"id": stage_id, "title": sub.get("title", ""), "narrative": _text(find(sub, "p")),
                                       "items": [items[r] for r in refs if r in items]})
            result.cases.append(case)
        return result
