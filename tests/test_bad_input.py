"""Bad input, generated (hypothesis): the content loader, the learner registration fields and the verify upload
never crash and never accept what they should refuse; very large inputs; guessed links and ids find nothing."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cpd import attempts, tokens
from cpd.certificates.service import lookup
from cpd.certificates.verify import MAX_FILE_BYTES, Status, verify_bundle, verify_file
from cpd.content.loader import load_content
from cpd.storage.tables import Token
from cpd.text import BIDI_CONTROLS
from cpd.workshops import codes

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "content"
MODULE_FILE = next((FIXTURE / "modules").glob("*.yaml"))
CASE_FILES = sorted((FIXTURE / "questions").rglob("*.yaml"))
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])

# ---------------------------------------------------------------- the content loader

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                           max_leaves=12)


def _load(files: dict[str, str]):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return load_content([Path(tmp)])


@QUICK
@given(st.text(max_size=400))
def test_any_text_as_a_content_file_is_an_error_naming_the_file_never_a_crash(text):
    content = _load({"case.yaml": text})
    for err in content.errors:
        assert "case.yaml" in str(err)


def _paths(data, prefix=()):
    """Every (path) into a nested dict/list."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*prefix, i))


MODULE_DATA = yaml.safe_load(MODULE_FILE.read_text())
MODULE_PATHS = [p for p in _paths(MODULE_DATA) if p]


@QUICK
@given(st.sampled_from(MODULE_PATHS), yaml_values)
def test_one_field_of_a_valid_module_replaced_by_anything_is_refused_with_file_line_and_field_or_accepted(path, value):
    data = copy.deepcopy(MODULE_DATA)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    files = {"modules/module.yaml": yaml.safe_dump(data, allow_unicode=True)}
    for case in CASE_FILES:
        files[f"questions/{case.name}"] = case.read_text()
    content = _load(files)
    for err in content.errors:
        assert err.file and (err.line or err.where or "module" in str(err)), str(err)


def test_a_yaml_alias_bomb_and_python_tags_are_refused_quickly():
    bomb = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    content = _load({"bomb.yaml": bomb, "code.yaml": "!!python/object/apply:os.system ['true']\n"})
    assert len(content.errors) >= 2 and not content.modules


def test_a_very_large_content_file_is_an_error_not_a_hang():
    huge = "id: big\ntitle: " + "x" * (3 * 1024 * 1024) + "\n"
    content = _load({"big.yaml": huge})
    assert content.errors and all("big.yaml" in str(e) for e in content.errors)


# ---------------------------------------------------------------- the registration fields

field_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@QUICK
@given(name=field_text, email=field_text, profession=field_text, registration=st.one_of(st.none(), field_text))
def test_registration_fields_accept_only_clean_text_or_say_which_field_is_wrong(name, email, profession, registration):
    data = {"name": name, "email": email, "profession": profession, "registration_number": registration}
    try:
        learner = attempts.parse_learner(data)
    except attempts.InvalidInput as exc:
        assert exc.messages
        labels = ("Name", "E-mail", "Profession", "Registration number")
        assert all(m.startswith(labels) for m in exc.messages), exc.messages
        return
    for value, limit in ((learner.name, 120), (learner.email, 254), (learner.profession, 120),
                         (learner.registration_number or "", 40)):
        assert len(value) <= limit and value == value.strip()
        assert unicodedata.is_normalized("NFC", value)
        assert not any(unicodedata.category(ch) == "Cc" for ch in value)
        assert not any(ord(ch) in BIDI_CONTROLS for ch in value)
        assert not re.search(r"<\s*[a-z!/?]", value, re.IGNORECASE)  # no tag can start in what is accepted
    assert "@" in learner.email and learner.email == learner.email.lower()


def test_a_megabyte_name_is_refused_with_the_limit():
    with pytest.raises(attempts.InvalidInput, match="Name: at most 120 characters"):
        attempts.parse_learner({"name": "x" * 1_000_000, "email": "a@example.org", "profession": "Physician"})


# ---------------------------------------------------------------- the verify upload

KEY = Ed25519PrivateKey.generate()


@QUICK
@given(st.binary(max_size=4096))
def test_any_bytes_uploaded_to_verify_are_never_valid_and_never_crash(data):
    result = verify_file(data, KEY.public_key())
    assert result.status in (Status.INVALID, Status.UNCHECKABLE)


@QUICK
@given(st.binary(min_size=1, max_size=64), st.sampled_from([b"%PDF-1.7\n", b"{", b'{"record":', b"\xef\xbb\xbf{"]))
def test_pdf_and_json_lookalikes_are_never_valid(tail, head):
    assert verify_file(head + tail, KEY.public_key()).status in (Status.INVALID, Status.UNCHECKABLE)


def test_an_oversized_upload_is_refused_by_size(tmp_path):
    big = tmp_path / "big.pdf"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    result = verify_file(big, KEY.public_key())
    assert result.status is Status.INVALID and "larger than" in str(result.reason)


@QUICK
@given(st.sampled_from(["learner_name", "score_percent", "id", "issued_at", "valid_until"]), scalars)
def test_a_bundle_with_any_field_changed_never_verifies(field, value):
    bundle = json.loads(_real_bundle_json())
    assume(bundle["record"].get(field) != value)
    bundle["record"][field] = value
    assert verify_bundle(bundle, KEY.public_key()).status is not Status.VALID


_BUNDLE: list[str] = []


def _real_bundle_json() -> str:
    """A genuine certificate bundle signed with KEY (made once)."""
    if not _BUNDLE:
        from test_certificates_support import make_request

        from cpd.certificates.design import load_default_design
        from cpd.certificates.service import prepare_certificate

        row = prepare_certificate(make_request(), design=load_default_design(ROOT / "certificates"), private_key=KEY,
                                  public_url="https://cpd.example.org")
        bundle = {"record": json.loads(row.record_json), "signature": row.signature, "key_id": row.key_id}
        assert verify_bundle(bundle, KEY.public_key()).status is Status.VALID
        _BUNDLE.append(json.dumps(bundle))
    return _BUNDLE[0]


# ---------------------------------------------------------------- guessed ids and tokens

def test_guessed_resume_tokens_personal_links_and_certificate_ids_find_nothing(store, mini):
    token, state = attempts.start_attempt(store, mini, {"name": "Ann", "email": "ann@example.org",
                                                        "profession": "Physician"}, pretest=False)
    with store() as s:
        issued = {p: tokens.issue(s, p, f"subject-{p.value}", **(
            {"alphabet": codes.ALPHABET, "length": codes.LENGTH} if tokens.POLICIES[p].short_codes else {}))
            for p in tokens.POLICIES}
        s.commit()
    guesses = [secrets.token_urlsafe(32) for _ in range(50)] + [token[:-1] + ("A" if token[-1] != "A" else "B"),
                                                                 token.upper(), token + "x", " " + token]
    for guess in guesses:
        with pytest.raises(attempts.InvalidToken):
            attempts.resume(store, guess)
        with store() as s:
            for purpose in tokens.POLICIES:
                assert tokens.lookup(s, purpose, guess) is None
            assert lookup(s, guess[:26]).status == "unknown"
    # The real ones still work, and only through their own purpose.
    assert attempts.resume(store, token).attempt_id == state.attempt_id
    with store() as s:
        for purpose, item in issued.items():
            assert tokens.lookup(s, purpose, item.token) is not None
            other = next(p for p in tokens.POLICIES if p is not purpose)
            assert tokens.lookup(s, other, item.token) is None
        # Constant time by construction: the database holds only SHA-256 digests and is searched by digest,
        # so a guess is compared by an index lookup on its hash, never character by character with the secret.
        hashes = set(s.scalars(select(Token.token_hash)))
        assert {hashlib.sha256(item.token.encode()).hexdigest() for item in issued.values()} <= hashes
        assert not any(item.token in hashes for item in issued.values())
        resume_row = s.scalars(select(Token).where(Token.purpose == "resume", Token.subject_id == state.attempt_id)).one()
        assert resume_row.token_hash == hashlib.sha256(token.encode()).hexdigest()
