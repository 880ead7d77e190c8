"""A participant's phone once the workshop has finished: their score, the one evaluation form, their certificate.

The certificate is the participant's own (looked up by their seat); it appears once
the facilitator has asked for everyone's and is issued on the spot if the worker has
not reached it yet. The reflective note is shown back only here, to its author.
"""

from __future__ import annotations

import logging

import streamlit as st

from cpd import attempts
from cpd.certificates.fonts import MissingGlyphsError
from cpd.certificates.keys import SigningKeyError
from cpd.certificates.pdf import RenderError
from cpd.ui import resources
from cpd.ui.results_view import evaluation_form
from cpd.workshops import certify, room
from cpd.workshops.room import Seat


def finished(seat: Seat) -> None:
    store = resources.store()
    state = attempts.load_state(store, seat.attempt_id)
    r = room.room(store, seat.workshop_id)
    st.success("The workshop has finished. Thank you for taking part.")
    if state.percent is not None:
        st.metric("Your score", f"{state.percent:g} %")
    if state.phase == "evaluation":
        evaluation_form(resources.module_of(r.content_hash), state, ask_hours=False)
    elif state.phase == "done":
        st.caption("Your evaluation is saved; your reflective note is private to you.")
    _certificate(seat)


def _certificate(seat: Seat) -> None:
    cfg = resources.settings()
    try:
        issuer = certify.Issuer(resources.store(), resources.certificate_design(), resources.signing_key(),
                                cfg.public_url)
        cert = certify.for_seat(resources.store(), seat, issuer)
    except SigningKeyError as exc:
        logging.getLogger("cpd").error("workshop certificate for %s not issued: %s", seat.attempt_id, exc)
        st.error("Certificates cannot be signed yet (the server's signing key is not set up); please tell the "
                 "facilitator.")
        return
    except (MissingGlyphsError, RenderError) as exc:
        st.error("Your certificate cannot be printed yet; please tell the facilitator:")
        st.text(str(exc))
        return
    if cert is None:
        st.info("Your certificate appears here once the facilitator issues the certificates.")
        if st.button("Check for my certificate", key="ws-cert-check"):
            st.rerun()
        return
    st.subheader("Your certificate")
    st.text(f"Certificate ID {cert.id}")
    st.download_button("Download your certificate (PDF)", data=bytes(cert.pdf), file_name=f"certificate-{cert.id}.pdf",
                       mime="application/pdf", type="primary", on_click="ignore", key="ws-cert-dl")
