"""did:web naming and status list allocation, encoding and reading."""

from __future__ import annotations

import pytest
from test_certificates_support import PUBLIC_URL, private_key  # noqa: F401

from cpd.certificates.did import did_document, did_document_path, did_web, did_web_document_url, keys_from_did_document
from cpd.certificates.keys import key_id
from cpd.certificates.openbadge import keyring
from cpd.certificates.status_list import LIST_SIZE, allocate_index, bit_is_set, encode_bits


@pytest.mark.parametrize("url, did, document, path", [
    ("https://cpd.example.org", "did:web:cpd.example.org", "https://cpd.example.org/.well-known/did.json",
     "/.well-known/did.json"),
    ("https://CPD.Example.org/", "did:web:cpd.example.org", "https://cpd.example.org/.well-known/did.json",
     "/.well-known/did.json"),
    ("http://127.0.0.1:8501", "did:web:127.0.0.1%3A8501", "https://127.0.0.1:8501/.well-known/did.json",
     "/.well-known/did.json"),
    ("https://example.org:8443/societies/cpd", "did:web:example.org%3A8443:societies:cpd",
     "https://example.org:8443/societies/cpd/did.json", "/societies/cpd/did.json"),
])
def test_did_web_encoding(url, did, document, path):
    assert did_web(url) == did
    assert did_web_document_url(did) == document
    assert did_document_path(url) == path


def test_did_web_needs_a_host():
    with pytest.raises(ValueError, match="no host name"):
        did_web("not a url")


def test_did_document_round_trip(private_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    retired = Ed25519PrivateKey.generate()
    did = did_web(PUBLIC_URL)
    doc = did_document(did, keyring(retired, private_key))
    found = keys_from_did_document(doc, did)
    assert set(found) == {f"{did}#{key_id(retired)}", f"{did}#{key_id(private_key)}"}
    assert doc["assertionMethod"] == [m["id"] for m in doc["verificationMethod"]]
    with pytest.raises(ValueError):
        keys_from_did_document(doc, "did:web:evil.example")


def test_bitstring_encoding_is_msb_first_and_round_trips():
    encoded = encode_bits({0, 9, LIST_SIZE - 1})
    assert encoded.startswith("u")
    assert [i for i in (0, 1, 8, 9, LIST_SIZE - 2, LIST_SIZE - 1) if bit_is_set(encoded, i)] == [0, 9, LIST_SIZE - 1]
    with pytest.raises(ValueError):
        bit_is_set(encoded, LIST_SIZE)


def test_a_drawn_index_already_taken_is_drawn_again(store, monkeypatch):
    draws = iter([5, 5, 5, 7, 100, 7, 5, 101])
    monkeypatch.setattr("cpd.certificates.status_list.secrets.randbelow", lambda n: next(draws))
    with store() as s:
        got = [allocate_index(s, PUBLIC_URL).index for _ in range(3)]
        s.commit()
    assert got == [5, 7, 100]  # the two repeats of 5 were refused by the database and drawn again
    with store() as s:  # and a second session (another replica) cannot take them either
        assert allocate_index(s, PUBLIC_URL).index == 101
        s.commit()
