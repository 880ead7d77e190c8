"""What the app publishes for machines and for anyone following a badge's links.

Plain functions returning data (dicts, HTML text): ``cpd/web/credentials.py``
wraps them as Starlette routes with content types and cache headers, and tests
call them directly too.

* the DID document (``did:web``): every key that ever signed, current and retired;
* the Bitstring Status List credential: one bit per certificate, 1 = revoked;
* ``/api/certificates/<id>``: the public facts and status (``public.public_view``);
* the achievement and criteria pages a badge links to, in words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cpd.certificates.did import did_document, did_web
from cpd.certificates.key_registry import published_keys
from cpd.certificates.pdf import format_number
from cpd.certificates.public import public_view
from cpd.certificates.record import AWARDED_FOR_PARTICIPATION, award_basis
from cpd.certificates.service import lookup, stored_record
from cpd.certificates.status_list import list_exists, status_list_credential
from cpd.storage.tables import Attempt, Certificate


def issuer_did_document(session: Session, public_url: str, configured: Ed25519PublicKey | None) -> dict[str, Any]:
    """The DID document for ``did_web(public_url)``, listing every key in the key table (and the configured one)."""
    keys = published_keys(session, *([configured] if configured else []))
    return did_document(did_web(public_url), keys)


def status_list(
    session: Session, public_url: str, private_key: Ed25519PrivateKey, list_id: int, now: datetime | None = None
) -> dict[str, Any] | None:
    """The signed status list credential, or None for a list that does not exist."""
    if not list_exists(session, list_id):
        return None
    return status_list_credential(session, public_url, private_key, list_id, now)


def certificate_status(session: Session, cert_id: str) -> dict[str, Any] | None:
    """The public JSON for one certificate (None if unknown): status, dates, SHA-256 of the issued PDF."""
    view = public_view(lookup(session, cert_id))
    return None if view["status"] == "unknown" else view


@dataclass(frozen=True)
class AchievementFacts:
    title: str
    module_id: str
    version: str
    provider: str
    accreditation: str
    cpd_hours: float
    pass_mark_percent: float | None  # None for the participation achievement, which has no assessment
    objectives: list[str]
    participation: bool = False  # the achievement of taking part in an attendance-based live workshop


def achievement_facts(
    session: Session, module_id: str, version: str, current: Any | None = None, *, participation: bool = False
) -> AchievementFacts | None:
    """What was certified for this module version: from the newest certificate issued for it on the same
    basis (assessment, or participation with ``participation``), else the current content."""
    rows = session.scalars(
        select(Certificate)
        .join(Attempt, Attempt.id == Certificate.attempt_id)
        .where(Attempt.module_id == module_id, Attempt.module_version == version)
        .order_by(Certificate.issued_at.desc())
        .limit(50)  # the basis is inside the signed record; the newest few settle it
    )
    for row in rows:
        r = stored_record(row)
        if (award_basis(r) == AWARDED_FOR_PARTICIPATION) != participation:
            continue
        return AchievementFacts(r.activity_title, module_id, version, r.provider, r.accreditation_statement,
                                r.cpd_hours, r.pass_mark_percent, list(r.learning_objectives), participation)
    if current is not None and current.id == module_id and current.version == version:
        return AchievementFacts(current.title, module_id, version, "", "", current.cpd_hours,
                                None if participation else current.pass_mark,
                                [o.text for o in current.objectives], participation)
    return None


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}
h1{{font-size:1.5rem;color:#0b4f6c}}</style></head>
<body><main>
{body}
</main></body></html>
"""


def achievement_page(facts: AchievementFacts, criteria_url: str) -> str:
    """The achievement in words (every value escaped: content is data, never markup)."""
    e = html.escape
    objectives = "".join(f"<li>{e(o)}</li>" for o in facts.objectives)
    provider = f"<p>Provider: {e(facts.provider)}</p>" if facts.provider else ""
    accreditation = f"<p>{e(facts.accreditation)}</p>" if facts.accreditation else ""
    body = (
        f"<h1>{e(facts.title)}</h1>"
        f"<p>A continuing professional development (CPD) activity worth {e(format_number(facts.cpd_hours))} CPD "
        f"hours (module {e(facts.module_id)}, version {e(facts.version)}). {_states(facts)}</p>"
        f"{provider}{accreditation}"
        f"<h2>Learning objectives</h2><ul>{objectives}</ul>"
        f'<p><a href="{e(criteria_url)}">How this achievement is earned</a></p>'
    )
    return _PAGE.format(title=e(facts.title), body=body)


def _states(facts: AchievementFacts) -> str:
    if facts.participation:
        return ("A certificate of participation for it states that the holder took part in an attendance-based "
                "live workshop on the activity; it was not assessed and states no score.")
    return "A certificate for it states that the holder completed the activity and passed its assessment."


def criteria_page(facts: AchievementFacts, achievement_url: str) -> str:
    e = html.escape
    if facts.participation:
        body = (
            f"<h1>How to earn: {e(facts.title)} (participation)</h1>"
            f"<p>Take part in a live, attendance-based workshop on the module (version {e(facts.version)}) run by "
            f"a facilitator of the provider. Everyone who took a seat is awarded a certificate of participation; "
            f"there is no assessment and no pass mark. (The same module's assessed certificate is a separate "
            f"achievement.)</p>"
            f'<p><a href="{e(achievement_url)}">About this achievement</a></p>'
        )
        return _PAGE.format(title=e(f"Criteria: {facts.title} (participation)"), body=body)
    body = (
        f"<h1>How to earn: {e(facts.title)}</h1>"
        f"<p>Work through every case of the module (version {e(facts.version)}) and score at least "
        f"{e(format_number(facts.pass_mark_percent or 0))}% in its assessment, then complete the evaluation and a "
        f"reflective note. Each answer is scored against the evidence; the certificate is issued once, on passing.</p>"
        f'<p><a href="{e(achievement_url)}">About this achievement</a></p>'
    )
    return _PAGE.format(title=e(f"Criteria: {facts.title}"), body=body)
