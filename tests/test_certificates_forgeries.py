"""Every forged or broken input we know of, with the answer a verifier gets: offline, online (both stores), page.

Each case is a failing input and the expected message. The list is what the closing note of
issue 14 reports; keep the two in step.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest
from test_certificates_support import (  # noqa: F401
    NOW,
    PUBLIC_URL,
    add_attempt,
    design,
    make_request,
    other_key,
    pdf_bundle,
    private_key,
    replace_attachment,
)

from cpd.certificates import cli
from cpd.certificates.bundle import bundle_bytes, sign_record
from cpd.certificates.openbadge import build_badge
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.record import canonical_bytes
from cpd.certificates.request import build_record
from cpd.certificates.service import issue_certificate
from cpd.certificates.verify import OFFLINE_PAGE_MATCH, UNCHECKABLE_MESSAGE, Status, verify_file

VICTIM = "Zoë Ångström-Müller"
FORGER = "Mallory Example"
IN_PERIOD = datetime(2026, 6, 1, tzinfo=UTC)


def _pdf(design, key, name=VICTIM, **kw):
    record = build_record(make_request(name, **kw), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    signed = sign_record(record, key)
    return signed, render_certificate_pdf(signed, design)


@pytest.fixture(scope="module")
def genuine(design, private_key):
    return _pdf(design, private_key)


@pytest.fixture(scope="module")
def forged_page(design, other_key, genuine):
    """A page printed with another name, carrying the victim's genuine certificate.json."""
    _, page = _pdf(design, other_key, FORGER)
    return replace_attachment(page, bundle_bytes(genuine[0]))


def _writer(pdf: bytes, **kw):
    from pypdf import PdfReader, PdfWriter

    return PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)), **kw)


def _bytes(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def second_attachment(pdf: bytes, name: str, content: bytes) -> bytes:
    writer = _writer(pdf)
    writer.add_attachment(name, content)
    return _bytes(writer)


def incremental_reprint(pdf: bytes, text: str) -> bytes:
    """An incremental update that prints another name over the page (a FreeText annotation)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import FreeText

    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_annotation(0, FreeText(text=text, rect=(200, 300, 600, 340), font_size="24pt",
                                      background_color="ffffff", border_color="ffffff"))
    out = _bytes(writer)
    assert out.startswith(pdf) and len(PdfReader(io.BytesIO(out)).pages) == 1  # appended, as an incremental update is
    return out


def printed_without_attachment(pdf: bytes) -> bytes:
    """What 'print to PDF' leaves: the same page, no embedded files."""
    writer = _writer(pdf)
    writer._root_object.pop("/Names", None)
    writer._root_object.pop("/AF", None)
    return _bytes(writer)


def _with_duplicate_key(bundle_json: bytes, key: str, value: str) -> bytes:
    text = bundle_json.decode()
    return text.replace(f'"{key}":', f'"{key}": "{value}", "{key}":', 1).encode()


# --- offline: the file alone -------------------------------------------------------------------


def test_genuine_pdf_offline_says_as_far_as_text_can_show(genuine, private_key):
    result = verify_file(genuine[1], private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.VALID
    assert result.summary() == OFFLINE_PAGE_MATCH == "the signed record is genuine; the page matches it as far as text can show"


def test_page_naming_someone_else_fails_and_names_what_differs(forged_page, private_key):
    result = verify_file(forged_page, private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID and not result.valid
    assert result.reason.startswith("the page does not match its signed record")
    assert f"name: the signed record says '{VICTIM}', which the page does not show" in result.differences
    assert "valid" not in result.summary().lower()


@pytest.mark.parametrize("name, content", [
    ("certificate.json", b'{"record": {}}'),
    ("certificate-2.json", b'{"record": {"learner_name": "Mallory"}}'),
    ("notes.txt", b"hello"),
])
def test_more_than_one_attachment_fails(genuine, private_key, name, content):
    result = verify_file(second_attachment(genuine[1], name, content), private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID and "carries 2 attached files" in result.reason


def test_incremental_update_that_reprints_fails(genuine, private_key):
    result = verify_file(incremental_reprint(genuine[1], FORGER), private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID
    assert "changed after it was made (2 revisions" in result.reason


def test_resaved_without_attachment_cannot_be_checked_not_forged(genuine, private_key):
    result = verify_file(printed_without_attachment(genuine[1]), private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.UNCHECKABLE
    assert result.summary() == UNCHECKABLE_MESSAGE == (
        "cannot be checked from this file: use the verification link or ask for the original")
    assert "not genuine" not in result.summary().lower()


@pytest.mark.parametrize("where", ["bundle", "record", "pdf"])
def test_duplicate_json_keys_fail(genuine, private_key, where):
    data = bundle_bytes(genuine[0])
    if where == "bundle":
        data = _with_duplicate_key(data, "signature", "forged")
    else:
        data = _with_duplicate_key(data, "learner_name", FORGER)
    if where == "pdf":
        data = replace_attachment(genuine[1], data)
    result = verify_file(data, private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID and "twice; a genuine certificate never does" in result.reason


def test_duplicate_key_in_a_badge_fails(genuine, private_key):
    badge = canonical_bytes(build_badge(genuine[0].record, private_key, PUBLIC_URL))
    data = badge.replace(b'"name":', b'"name":"Forged","name":', 1)
    result = verify_file(data, private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID and "'name' twice" in result.reason


def test_expired_and_not_yet_valid(genuine, private_key):
    record = genuine[0].record  # valid until 5 March 2028
    badge = canonical_bytes(build_badge(record, private_key, PUBLIC_URL))
    for data in (genuine[1], bundle_bytes(genuine[0]), badge):
        late = verify_file(data, private_key.public_key(), now=datetime(2028, 3, 6, tzinfo=UTC))
        assert late.status is Status.EXPIRED and late.reason == "expired on 5 March 2028", late.reason
        early = verify_file(data, private_key.public_key(), now=NOW - timedelta(days=1))
        assert early.status is Status.NOT_YET_VALID and early.reason == "not yet valid: valid from 5 March 2026"
        assert not late.valid and not early.valid
        assert verify_file(data, private_key.public_key(), now=datetime(2028, 3, 5, 23, 0, tzinfo=UTC)).valid


def test_badge_with_two_proofs_or_a_foreign_issuer_fails(genuine, private_key):
    badge = build_badge(genuine[0].record, private_key, PUBLIC_URL)
    two = {**badge, "proof": badge["proof"] * 2}
    assert "carries 2 proofs" in verify_file(canonical_bytes(two), private_key.public_key()).reason
    foreign = json.loads(json.dumps(badge))
    foreign["issuer"]["id"] = "did:web:evil.example"
    assert "does not belong to the credential's issuer" in verify_file(
        canonical_bytes(foreign), private_key.public_key()).reason


SCRIPTS = {
    "Latin": "Zoë Ångström-Müller",
    "Greek": "Νίκος Παπαδόπουλος",
    "Cyrillic": "Дмитрий Иванов",
    "Arabic": "فاطمة الزهراء",
    "Chinese": "李小龍",
    "Korean": "김민준",
    # Long enough to wrap onto two lines on the page.
    "Latin, wrapped": "Maria-Magdalena Alexandra Konstantinopoulou-Vanderbilt de la Fontaine-Montgomery Smythe",
    "Arabic, wrapped": "عبد الرحمن بن محمد بن عبد الله بن إبراهيم آل الشيخ الهاشمي القرشي المكي المدني",
}


@pytest.mark.parametrize("script", SCRIPTS)
def test_genuine_certificates_in_every_script_pass(design, private_key, script):
    if script in ("Chinese", "Korean"):
        from cpd.certificates.fonts import system_cjk_dirs

        if not system_cjk_dirs():
            pytest.skip("fonts-noto-cjk not installed")
    _, pdf = _pdf(design, private_key, SCRIPTS[script])
    result = verify_file(pdf, private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.VALID, result.reason
    assert result.page.rtl_by_letters == script.startswith("Arabic")


@pytest.mark.parametrize("victim, forger", [("فاطمة الزهراء", "محمد عبد الله"), ("李小龍", "王小明"),
                                            ("Дмитрий Иванов", "Дмитрий Иваноф"),
                                            ("Ann Lee", "Joann Leeds")])  # the victim's name inside another
def test_page_naming_someone_else_fails_in_other_scripts(design, private_key, other_key, victim, forger):
    from cpd.certificates.fonts import system_cjk_dirs

    if "李" in victim and not system_cjk_dirs():
        pytest.skip("fonts-noto-cjk not installed")
    signed, _ = _pdf(design, private_key, victim)
    _, page = _pdf(design, other_key, forger)
    result = verify_file(replace_attachment(page, bundle_bytes(signed)), private_key.public_key(), now=IN_PERIOD)
    assert result.status is Status.INVALID and any(d.startswith("name: ") for d in result.differences)


# --- the CLI, offline and against each store ------------------------------------------------------


def _run(argv, capsys, **defaults):
    parser = argparse.ArgumentParser(prog="cpd")
    cli.register(parser.add_subparsers(dest="command", required=True))
    parser.set_defaults(**defaults)
    args = parser.parse_args(argv)
    code = args.func(args)
    return code, capsys.readouterr().out


@pytest.fixture
def pub_file(tmp_path, private_key):
    from cpd.certificates.keys import public_key_pem

    path = tmp_path / "issuer.pem"
    path.write_text(public_key_pem(private_key))
    return str(path)


def _issued(store, design, private_key, name=VICTIM, attempt_id="attempt-1", **kw):
    with store() as s:
        add_attempt(s, attempt_id)
        row = issue_certificate(s, make_request(name, attempt_id=attempt_id, **kw), design=design,
                                private_key=private_key, public_url=PUBLIC_URL, now=kw.pop("now", None) or NOW)
        s.commit()
        return row.id, bytes(row.pdf), json.loads(row.badge_json)


def test_cli_forged_page_online_and_offline(store, design, private_key, other_key, pub_file, tmp_path, capsys):
    cert_id, pdf, _ = _issued(store, design, private_key)
    _, page = _pdf(design, other_key, FORGER)
    path = tmp_path / "forged.pdf"
    path.write_bytes(replace_attachment(page, json.dumps(pdf_bundle(pdf)).encode()))
    for extra in ([], ["--offline"]):
        code, out = _run(["verify", str(path), "--public-key", pub_file, *extra], capsys, session_factory=store)
        assert code == 1 and out.startswith("DOES NOT MATCH: the page does not match its signed record")
        assert f"name: the signed record says '{VICTIM}'" in out and "valid" not in out.lower()
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(pdf)
    code, out = _run(["verify", str(genuine), "--public-key", pub_file, "--offline"], capsys, session_factory=store)
    assert code == 0 and out.startswith(f"GENUINE: {OFFLINE_PAGE_MATCH}") and "VALID" not in out
    assert "only the verification link can say this file is the one issued" in out
    code, out = _run(["verify", str(genuine), "--public-key", pub_file], capsys, session_factory=store)
    assert code == 0 and "this file is exactly the PDF issued" in out and "status: VALID and current" in out


def test_cli_uncheckable_points_at_the_link(store, design, private_key, pub_file, tmp_path, capsys):
    cert_id, pdf, _ = _issued(store, design, private_key)
    path = tmp_path / "printed.pdf"
    path.write_bytes(printed_without_attachment(pdf))
    code, out = _run(["verify", str(path), "--public-key", pub_file], capsys, session_factory=store)
    assert code == 3 and out.startswith(f"CANNOT BE CHECKED FROM THIS FILE: {UNCHECKABLE_MESSAGE}")
    assert f"?verify={cert_id}" in out and "not genuine" not in out.lower()


@pytest.mark.parametrize("when, expected", [
    (datetime(2020, 1, 10, tzinfo=UTC), "EXPIRED: expired on 10 January 2022"),
])
def test_cli_expired(store, design, private_key, pub_file, tmp_path, capsys, when, expected):
    with store() as s:
        add_attempt(s, "old")
        row = issue_certificate(s, make_request(attempt_id="old", completed_at=when), design=design,
                                private_key=private_key, public_url=PUBLIC_URL, now=when)
        s.commit()
        (tmp_path / "old.pdf").write_bytes(row.pdf)
    code, out = _run(["verify", str(tmp_path / "old.pdf"), "--public-key", pub_file], capsys, session_factory=store)
    assert code == 1 and out.startswith(expected), out


def test_cli_not_yet_valid(design, private_key, pub_file, tmp_path, capsys):
    future = datetime.now(UTC) + timedelta(days=400)
    record = build_record(make_request(completed_at=future), design=design, public_url=PUBLIC_URL, issued_at=future)
    (tmp_path / "future.json").write_bytes(bundle_bytes(sign_record(record, private_key)))
    code, out = _run(["verify", str(tmp_path / "future.json"), "--public-key", pub_file], capsys)
    assert code == 1 and out.startswith("NOT YET IN FORCE: not yet valid: valid from ")


# --- the verify page, on each store ----------------------------------------------------------------


def _page(store, key):
    from cpd.ui.verify_view import render_verify_page

    render_verify_page(store, key)


def _texts(at) -> list[str]:
    return [t.value for t in at.text]


def test_verify_page_leads_with_plain_words_and_reads_ids_case_insensitively(store, design, private_key):
    cert_id, _, _ = _issued(store, design, private_key)
    at = AppTest.from_function(_page, args=(store, private_key.public_key()), default_timeout=20)
    at.query_params["verify"] = cert_id.upper()
    at.run()
    assert not at.exception
    assert at.success[0].value == "Valid: issued by Reality Check CPD, current and not withdrawn."
    lead = _texts(at)[:7]
    assert lead == [f"Name: {VICTIM}", "Profession: nurse", "Activity: Reality Check: the safety of exosome products",
                    "Completed on: 5 March 2026", "Awarded for: passing the assessment (pass mark 80%)",
                    "CPD hours claimed: 2.5 of a maximum 2.5", "Provider: Reality Check CPD"]
    assert "Signed by: [PLACEHOLDER: signatory's name], [PLACEHOLDER: qualifications], [PLACEHOLDER: role]" in _texts(at)
    assert "86.7" not in " ".join(_texts(at))  # the score is not public
    assert at.expander[0].label == "Technical details"
    assert "Professional registration number (partly hidden): GMC ••••321" in _texts(at)
    assert any("as issued" in b.label for b in at.get("download_button"))


def _upload(store, key, data):
    at = AppTest.from_function(_page, args=(store, key), default_timeout=20).run()
    at.file_uploader[0].set_value(("c.pdf", data, "application/pdf"))
    return at.run()


def test_verify_page_refuses_a_forged_page_without_saying_valid(store, design, private_key, other_key):
    cert_id, pdf, _ = _issued(store, design, private_key)
    _, page = _pdf(design, other_key, FORGER)
    at = _upload(store, private_key.public_key(), replace_attachment(page, json.dumps(pdf_bundle(pdf)).encode()))
    assert not at.exception
    assert at.error[0].value == "This page does not match its signed record: do not rely on it."
    assert f"• name: the signed record says '{VICTIM}', which the page does not show" in _texts(at)
    assert not at.success  # nothing green
    assert all("valid" not in e.value.lower() for e in [*at.error, *at.warning])


def test_verify_page_uncheckable_and_incremental(store, design, private_key):
    _, pdf, _ = _issued(store, design, private_key)
    at = _upload(store, private_key.public_key(), printed_without_attachment(pdf))
    assert at.warning[0].value.startswith("Cannot be checked from this file: use the verification link or ask for "
                                          "the original.")
    assert not at.error and not at.success
    assert f"Name: {VICTIM}" in _texts(at)  # what our records say about the ID printed on the page
    assert any(i.value.startswith("Our records for certificate") for i in at.info)
    at = _upload(store, private_key.public_key(), incremental_reprint(pdf, FORGER))
    assert at.error and at.error[0].value.startswith("Not genuine")
    assert any("2 revisions" in t for t in _texts(at))


def test_an_expired_certificate_by_id_says_so_on_the_page_and_in_the_api(store, design, private_key):
    from datetime import date

    from cpd.certificates.public import public_view
    from cpd.certificates.service import lookup

    cert_id, _, _ = _issued(store, design, private_key)  # valid until 5 March 2028
    with store() as s:
        view = public_view(lookup(s, cert_id), today=date(2028, 3, 6))
    assert view["status"] == "expired" and view["status_text"].startswith("Expired on 5 March 2028")
    with store() as s:
        assert public_view(lookup(s, cert_id), today=date(2028, 3, 5))["status"] == "valid"


def test_ids_are_read_case_insensitively_everywhere(store, design, private_key):
    from cpd.certificates.service import lookup, revoke

    cert_id, _, _ = _issued(store, design, private_key)
    with store() as s:
        revoke(s, f"  {cert_id.upper()} ", "Issued in error")
        s.commit()
    with store() as s:
        for typed in (cert_id, cert_id.upper(), cert_id.title()):
            result = lookup(s, typed)
            assert result.status == "revoked" and result.certificate_id == cert_id
