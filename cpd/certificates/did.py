"""Decentralised identifiers for the issuer: ``did:web`` from the public URL, ``did:key`` for old badges.

A wallet checking a badge must tie three things together: the issuer named in
the credential, the verification method named in its proof, and the public key.
With ``did:web`` the issuer *is* a DID whose document, served by this app at a
URL derived from the DID, lists every key we ever signed with (current and
retired). Badges issued before that named a ``did:key`` (the key itself, encoded
in the identifier), which the verifier still accepts.

did:web encoding (W3C CCG did:web Method Specification, "Create"): the host,
with a port percent-encoded as ``%3A``, then each path segment, separated by
``:``. ``https://cpd.example.org`` -> ``did:web:cpd.example.org`` (document at
``/.well-known/did.json``); ``http://127.0.0.1:8501/cpd`` ->
``did:web:127.0.0.1%3A8501:cpd`` (document at ``/cpd/did.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cpd.certificates.keys import raw_public_key

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_MULTICODEC = b"\xed\x01"
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    if len(text) > 200:
        raise ValueError("base58btc text too long")
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError("not base58btc text")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The Multikey form of an Ed25519 public key: ``z`` + base58btc(0xed01 + 32 bytes)."""
    return "z" + b58encode(_ED25519_PUB_MULTICODEC + raw_public_key(key))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a base58btc multibase key")
    raw = b58decode(value[1:])
    if len(raw) != 34 or raw[:2] != _ED25519_PUB_MULTICODEC:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key_method(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The verification method of a did:key (``did:key:z..#z...``), as badges named it before did:web."""
    mb = public_key_multibase(key)
    return f"did:key:{mb}#{mb}"


def did_web(public_url: str) -> str:
    """The issuer's ``did:web`` for the app at ``public_url`` (scheme dropped, as the method requires)."""
    parts = urlsplit(public_url.strip())
    if not parts.hostname:
        raise ValueError(f"CPD_PUBLIC_URL {public_url!r} has no host name, so no did:web can be made from it")
    host = parts.hostname.lower()
    if parts.port:
        host += f"%3A{parts.port}"
    segments = [quote(unquote(s), safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def did_web_document_url(did: str, scheme: str = "https") -> str:
    """Where a did:web document lives (``/.well-known/did.json`` or ``<path>/did.json``)."""
    if not did.startswith("did:web:"):
        raise ValueError(f"not a did:web: {did[:80]!r}")
    host, *segments = did.removeprefix("did:web:").split(":")
    host = unquote(host)
    path = "/".join(unquote(s) for s in segments)
    return f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"


def did_document_path(public_url: str) -> str:
    """The path this app serves its DID document at, matching ``did_web(public_url)``."""
    path = urlsplit(public_url.strip()).path.strip("/")
    return f"/{path}/did.json" if path else "/.well-known/did.json"


def verification_method_id(did: str, kid: str) -> str:
    return f"{did}#{kid}"


def did_document(did: str, keys: Mapping[str, Ed25519PublicKey]) -> dict[str, Any]:
    """The DID document listing every key id we ever signed with, as Multikey verification methods.

    Retired keys stay listed (and in ``assertionMethod``): a certificate signed
    before a rotation must keep verifying. Revocation is the status list's job.
    """
    methods = [
        {
            "id": verification_method_id(did, kid),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key_multibase(key),
        }
        for kid, key in keys.items()
    ]
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def keys_from_did_document(document: Any, did: str) -> dict[str, Ed25519PublicKey]:
    """The keys a resolved DID document lists for ``assertionMethod``, by verification method id."""
    if not isinstance(document, dict) or document.get("id") != did:
        raise ValueError("the DID document is not the issuer's")
    allowed = {m for m in document.get("assertionMethod", []) if isinstance(m, str)}
    found: dict[str, Ed25519PublicKey] = {}
    for method in document.get("verificationMethod", []):
        if not isinstance(method, dict) or method.get("id") not in allowed or method.get("controller") != did:
            continue
        found[method["id"]] = public_key_from_multibase(method.get("publicKeyMultibase", ""))
    return found
