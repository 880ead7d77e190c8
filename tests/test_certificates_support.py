"""Shared fixtures and builders for the certificate tests (no tests here).

Other ``test_certificates_*`` modules import from this one; pytest's default
(prepend) import mode puts tests/ on sys.path.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from cpd.certificates.design import Design, load_design
from cpd.certificates.fonts import system_cjk_dirs
from cpd.certificates.request import IssueRequest
from cpd.storage.tables import Attempt, Base, Learner

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DESIGN = REPO / "certificates" / "default.yaml"
PUBLIC_URL = "https://cpd.example.org"
NOW = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)

# Specification data (W3C vectors, OB 3.0 schema): ../shared beside the repository, never copied into it.
SPEC = REPO.parent / "shared" / "credentials-spec"


def w3c_test_key() -> Ed25519PrivateKey:
    """The published W3C eddsa-jcs-2022 test key (keyPair.json): signs fixtures, never a deployment's certificate."""
    import os

    from cpd.certificates.did import b58decode

    path = SPEC / "w3c_vc_di_eddsa_testvectors" / "keyPair.json"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"specification data missing at {SPEC}")
        pytest.skip(f"specification data not found at {SPEC}")
    raw = b58decode(json.loads(path.read_text())["privateKeyMultibase"][1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


needs_cjk = pytest.mark.skipif(not system_cjk_dirs(), reason="Debian package fonts-noto-cjk not installed")


def make_request(name: str = "Zoë Ångström-Müller", attempt_id: str = "attempt-1", **overrides) -> IssueRequest:
    values = dict(
        attempt_id=attempt_id,
        learner_name=name,
        registration_number="GMC 7654321",
        module_title="Reality Check: the safety of exosome products",
        module_id="exosome-safety",
        module_version="1.2.0",
        content_hash="c0ffee" * 10 + "abcd",
        learning_objectives=[
            "Describe what exosome products are and the evidence on their safety.",
            "Recognise unsupported claims and regulatory red flags.",
        ],
        cpd_hours=2.5,
        score_percent=86.7,
        pass_mark_percent=80,
        recertification_months=24,
        completed_at=NOW,
        delivery_format="online",
        venue=None,
    )
    values.update(overrides)
    return IssueRequest(**values)


@pytest.fixture(scope="session")
def design() -> Design:
    return load_design(DEFAULT_DESIGN)


@pytest.fixture(scope="session")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def add_attempt(session: Session, attempt_id: str = "attempt-1") -> None:
    learner_id = f"learner-{attempt_id}"
    session.add(
        Learner(id=learner_id, name="L", email="l@example.org", profession="nurse", registration_number=None,
                created_at=NOW)
    )
    session.flush()  # the learner first: with foreign keys enforced (the migrated store) the order matters
    session.add(
        Attempt(id=attempt_id, learner_id=learner_id, module_id="exosome-safety",
                module_version="1.2.0", content_hash="x", phase="done", started_at=NOW, completed_at=NOW)
    )
    session.flush()


@pytest.fixture
def session_factory(tmp_path: Path) -> sessionmaker:
    # A file, not :memory:, so Streamlit's script thread and the CLI see the same data.
    engine = create_engine(f"sqlite:///{tmp_path / 'cpd.sqlite3'}")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        add_attempt(s, "attempt-1")
        add_attempt(s, "attempt-2")
        s.commit()
    yield factory
    engine.dispose()


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def pdf_bundle(pdf: bytes) -> dict:
    from pypdf import PdfReader

    return json.loads(PdfReader(io.BytesIO(pdf)).attachments["certificate.json"][0])


def replace_attachment(pdf: bytes, new_json: bytes) -> bytes:
    """What a forger would do: swap certificate.json inside an otherwise genuine PDF."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer._root_object.pop("/Names", None)  # drop the old embedded-files tree
    writer._root_object.pop("/AF", None)
    writer.add_attachment("certificate.json", new_json)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
