"""The learner's certificate on the results page: issued once, downloaded as often as needed."""

from __future__ import annotations

import logging

import streamlit as st

from cpd.attempts import AttemptState
from cpd.certificates.bundle import SignedRecord, bundle_bytes
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import SigningKeyError
from cpd.certificates.pdf import RenderError
from cpd.certificates.request import verification_url
from cpd.certificates.service import stored_record
from cpd.completion import certificate_for
from cpd.content.loader import LoadedModule
from cpd.ui import focus, resources


def show_certificate(loaded: LoadedModule, state: AttemptState) -> bool:
    """Show the certificate when there is one; True when it was shown (it is then the reading position)."""
    cfg = resources.settings()
    try:
        cert = certificate_for(resources.store(), loaded, state, design=resources.certificate_design(),
                               private_key=resources.signing_key(), public_url=cfg.public_url)
    except SigningKeyError as exc:
        # A deployment without its key (PostgreSQL never invents one): the operator must set it.
        logging.getLogger("cpd").error("certificate for attempt %s not issued: %s", state.attempt_id, exc)
        st.error("Your certificate cannot be signed yet because the server's signing key is not set up. "
                 "Your pass is saved; please tell the course provider.")
        return False
    except (MissingGlyphsError, RenderError) as exc:
        # The attempt and its pass are saved; only the printing failed, and it is retried on the next visit.
        st.error("Your certificate cannot be printed yet. Your pass is saved; please tell the course provider:")
        st.text(str(exc))
        return False
    if cert is None:
        return False
    st.subheader("Your certificate", anchor="your-certificate")
    focus.move_to("your-certificate", nonce=f"certificate-{cert.id}")  # once, when it is first shown
    url = verification_url(cfg.public_url, cert.id)
    if cert.revoked_at is not None:
        # A withdrawn certificate is not offered for download: the learner sees when and why instead.
        st.error(f"This certificate was withdrawn by the provider on {cert.revoked_at:%d %B %Y}. "
                 "It can no longer be downloaded; anyone checking it is told it was withdrawn.")
        if cert.revoked_reason:
            st.text(f"Reason: {cert.revoked_reason}")  # staff's text: plain, never Markdown
        st.markdown(f"Certificate ID {cert.id} · check its status at {url}")
        return True
    st.markdown(f"Certificate ID {cert.id}, signed and verifiable by anyone at {url}")
    signed = SignedRecord(stored_record(cert), cert.signature, cert.key_id)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Certificate (PDF)", data=lambda: cert.pdf, file_name=f"certificate-{cert.id}.pdf",
                       mime="application/pdf", type="primary", on_click="ignore")
    c2.download_button("Signed record (JSON)", data=lambda: bundle_bytes(signed),
                       file_name=f"certificate-{cert.id}.json", mime="application/json", on_click="ignore")
    c3.download_button("Open Badge 3.0 (JSON)", data=lambda: cert.badge_json.encode(),
                       file_name=f"certificate-{cert.id}.badge.json", mime="application/json", on_click="ignore")
    st.caption("The PDF is frozen at issue: it downloads the same every time. The signed record and the badge "
               "are for software that checks certificates (an e-portfolio, a regulator).")
    return True
