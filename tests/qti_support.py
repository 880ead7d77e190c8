"""Test support for QTI: the 1EdTech XSDs (read from ../shared/qti-spec, never copied into the project)
and a small interpreter for the response-processing rules our items use, so a test can run them."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
QTI_SPEC = Path(os.environ.get("QTI_SPEC_DIR", ROOT.parent / "shared" / "qti-spec"))
NS = "{http://www.imsglobal.org/xsd/imsqtiasi_v3p0}"


def need_spec() -> Path:
    """The spec folder, or a skip (a failure in CI) saying where it was looked for."""
    if not (QTI_SPEC / "imsqti_asiv3p0p1_v1p0.xsd").is_file():
        message = f"the QTI 3.0 XSDs are not at {QTI_SPEC} (set QTI_SPEC_DIR or put shared/qti-spec beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return QTI_SPEC


class _LocalSpec(etree.Resolver):
    """Serve any http(s) schemaLocation from the spec folder by file name: no network."""

    def resolve(self, url, pubid, context):
        if url and url.startswith(("http://", "https://")):
            local = QTI_SPEC / url.rsplit("/", 1)[-1]
            if local.is_file():
                return self.resolve_filename(str(local), context)
        return None


@cache
def schema(name: str) -> etree.XMLSchema:
    need_spec()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSpec())
    return etree.XMLSchema(etree.parse(str(QTI_SPEC / name), parser))


def item_schema() -> etree.XMLSchema:
    return schema("imsqti_asiv3p0p1_v1p0.xsd")


def manifest_schema() -> etree.XMLSchema:
    return schema("imsqtiv3p0_imscpv1p2_v1p0.xsd")


def errors(xsd: etree.XMLSchema, xml: bytes) -> list[str]:
    doc = etree.fromstring(xml, etree.XMLParser(no_network=True))
    return [] if xsd.validate(doc) else [f"{e.line}: {e.message}" for e in xsd.error_log]


# --- running response processing ------------------------------------------------------------------

def run_response_processing(item: etree._Element, responses: dict) -> dict:
    """The outcome values after the item's response processing, for the given response variables.

    Covers the operators of QTI 3.0 our items use (match, correct, and, multiple,
    map-response with its bounds, base-value, variable, response conditions), with the
    spec's semantics for NULL and for multiple/directedPair containers.
    """
    decls = {d.get("identifier"): d for d in item.iter(NS + "qti-response-declaration")}
    values: dict = {}
    for d in item.iter(NS + "qti-outcome-declaration"):
        default = d.find(f"{NS}qti-default-value/{NS}qti-value")
        values[d.get("identifier")] = float(default.text) if default is not None and d.get("base-type") == "float" else None
    values.update(responses)

    def correct(identifier):
        vals = [v.text for v in decls[identifier].iter(NS + "qti-value")]
        return vals[0] if decls[identifier].get("cardinality") == "single" else vals

    def same(a, b, ident):
        if a is None or b is None:
            return False
        if isinstance(a, list):
            pair = decls[ident].get("base-type") == "pair"
            norm = (lambda v: tuple(sorted(v.split()))) if pair else (lambda v: v)
            return sorted(map(norm, a)) == sorted(map(norm, b))
        return a == b

    def ev(node):
        tag = node.tag.removeprefix(NS)
        kids = list(node)
        if tag == "qti-base-value":
            return float(node.text) if node.get("base-type") == "float" else node.text
        if tag == "qti-variable":
            return values.get(node.get("identifier"))
        if tag == "qti-correct":
            return correct(node.get("identifier"))
        if tag == "qti-match":
            ident = kids[0].get("identifier")
            return same(ev(kids[0]), ev(kids[1]), ident)
        if tag == "qti-and":
            return all(ev(k) for k in kids)
        if tag == "qti-multiple":
            out = []
            for k in kids:
                v = ev(k)
                if v is None:
                    continue
                out += v if isinstance(v, list) else [v]
            return out or None
        if tag == "qti-map-response":
            decl = decls[node.get("identifier")]
            mapping = decl.find(NS + "qti-mapping")
            entries = {e.get("map-key"): float(e.get("mapped-value")) for e in mapping.iter(NS + "qti-map-entry")}
            given = values.get(node.get("identifier"))
            given = [] if given is None else (given if isinstance(given, list) else [given])
            total = sum(entries.get(v, float(mapping.get("default-value", "0"))) for v in set(given))
            if mapping.get("lower-bound") is not None:
                total = max(total, float(mapping.get("lower-bound")))
            if mapping.get("upper-bound") is not None:
                total = min(total, float(mapping.get("upper-bound")))
            return total
        raise AssertionError(f"the interpreter does not know {tag}")

    def run(rules):
        for rule in rules:
            tag = rule.tag.removeprefix(NS)
            if tag == "qti-set-outcome-value":
                values[rule.get("identifier")] = ev(rule[0])
            elif tag == "qti-response-condition":
                for branch in rule:
                    btag = branch.tag.removeprefix(NS)
                    if btag == "qti-response-else":
                        run(list(branch))
                        break
                    if ev(branch[0]):
                        run(list(branch)[1:])
                        break
            else:
                raise AssertionError(f"the interpreter does not know {tag}")

    run(list(item.find(NS + "qti-response-processing")))
    return values
