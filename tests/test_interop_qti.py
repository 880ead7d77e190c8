"""QTI 3.0 out and in: the shipped module's content package validates against the 1EdTech XSDs (read from
../shared/qti-spec), its response processing scores as our engine does, and it imports back the same."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from qti_support import errors, item_schema, manifest_schema, need_spec, run_response_processing

from cpd.content.loader import load_module
from cpd.interop import qti
from cpd.interop.bank import bank_of, read_bank, write_bank
from cpd.items.registry import type_of

ROOT = Path(__file__).resolve().parent.parent
CP = "{http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1}"


@pytest.fixture(scope="module")
def shipped():
    return load_module([ROOT / "modules", ROOT / "questions"], "exosome-safety")


@pytest.fixture(scope="module")
def package(shipped) -> bytes:
    return qti.package(bank_of(shipped))


def test_the_package_lists_every_item_and_the_manifest_says_schemaversion_3_0_0(shipped, package):
    need_spec()
    zf = zipfile.ZipFile(io.BytesIO(package))
    manifest = zf.read("imsmanifest.xml")
    assert errors(manifest_schema(), manifest) == []
    root = etree.fromstring(manifest)
    assert root.findtext(f".//{CP}schemaversion") == "3.0.0"
    items = [r.get("href") for r in root.iter(CP + "resource") if r.get("type") == "imsqti_item_xmlv3p0"]
    assert items == [f"items/{i.id}.xml" for i in shipped.items()]
    assert set(zf.namelist()) == {"imsmanifest.xml", "test.xml", *items}


def test_every_item_and_the_test_validate_against_the_qti_3_schema(shipped, package):
    zf = zipfile.ZipFile(io.BytesIO(package))
    for name in zf.namelist():
        if name != "imsmanifest.xml":
            assert errors(item_schema(), zf.read(name)) == [], name


def test_a_wrong_manifest_fails_the_schema_so_the_check_can_fail(package):
    manifest = zipfile.ZipFile(io.BytesIO(package)).read("imsmanifest.xml").replace(b"3.0.0", b"3.0.1")
    assert errors(manifest_schema(), manifest)


def test_each_packaged_item_scores_the_sample_responses_as_our_engine_does(shipped, package):
    zf = zipfile.ZipFile(io.BytesIO(package))
    for item in shipped.items():
        node = etree.fromstring(zf.read(f"items/{item.id}.xml"))
        t = type_of(item)
        s = t.sample_responses(item)
        for response in filter(None, (s.correct, s.partial, s.wrong)):
            got = run_response_processing(node, t.qti_response(item, response))
            assert got["SCORE"] == t.score(item, response).points, (item.id, response)
            assert got["MAXSCORE"] == t.max_points(item)
        right = run_response_processing(node, t.qti_response(item, s.correct))
        if item.feedback:
            assert "GENERAL" in right["FEEDBACK"]  # the general feedback shows after an answer


def test_export_then_import_gives_the_same_items_and_the_same_scores(shipped, package, tmp_path):
    imported = qti.unpack(package, "exosome-safety")
    assert imported.notes == []
    imported.objectives = [o.model_dump() for o in shipped.module.objectives]  # QTI has no place for these
    imported.references = [r.model_dump(mode="json", exclude_none=True) for r in shipped.module.references]
    write_bank(imported, tmp_path)
    bank = read_bank(tmp_path)
    assert bank.cases == shipped.cases
    for before, after in zip(shipped.items(), (i for c in bank.cases for i in c.items()), strict=True):
        t = type_of(before)
        s = t.sample_responses(before)
        for response in filter(None, (s.correct, s.partial, s.wrong)):
            assert t.score(after, response) == t.score(before, response)


def test_a_package_that_is_not_ours_or_not_a_zip_is_refused_with_a_reason():
    with pytest.raises(qti.PackageError, match="not a zip file"):
        qti.unpack(b"plain text")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(qti.PackageError, match="imsmanifest.xml"):
        qti.unpack(buffer.getvalue())


def test_external_entities_in_an_imported_item_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    item = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
            '<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="x" title="x" '
            'adaptive="false" time-dependent="false"><qti-item-body class="cpd-type-single_best"><p>&s;</p>'
            '</qti-item-body></qti-assessment-item>').encode()
    manifest = (b'<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m"><metadata>'
                b'<schemaversion>3.0.0</schemaversion></metadata><organizations/><resources>'
                b'<resource identifier="x" type="imsqti_item_xmlv3p0" href="x.xml"/></resources></manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest)
        zf.writestr("x.xml", item)
    assert "TOP-SECRET" not in "".join(etree.fromstring(item, qti.PARSER).itertext())
    assert "TOP-SECRET" in "".join(etree.fromstring(item, etree.XMLParser(resolve_entities=True)).itertext())  # the trap works
    imported = qti.unpack(buffer.getvalue(), "evil")
    assert "TOP-SECRET" not in repr(imported)


def test_the_cli_writes_the_package_and_reads_it_back(tmp_path, package):
    out = tmp_path / "bank.zip"
    run = subprocess.run([sys.executable, "-m", "cpd", "export", "--format", "qti", "exosome-safety", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert zipfile.ZipFile(out).namelist() == zipfile.ZipFile(io.BytesIO(package)).namelist()
    run = subprocess.run([sys.executable, "-m", "cpd", "import", "--format", "qti", str(out), "--out", str(tmp_path / "back")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    assert "no objectives: add the module's objectives" in run.stderr  # QTI carries no objectives list
    assert (tmp_path / "back" / "questions" / "case-consent.yaml").is_file()
