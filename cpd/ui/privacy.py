"""The privacy notice: who holds a learner's data, what is public, how long it is kept, how to get it back.

Plain words for a learner deciding whether to type their name and registration number.
The figures come from the code that enforces them (resume-link lifetime, the certificate's
validity), so the notice cannot drift from what the app does.
"""

from __future__ import annotations

import streamlit as st

from cpd.tokens import POLICIES, Purpose
from cpd.ui import resources


def page() -> None:
    loaded = resources.current_module()
    provider = loaded.module.accreditation.provider if loaded is not None else "the course provider"
    months = loaded.module.recertification_months if loaded is not None else None
    resume_days = POLICIES[Purpose.RESUME].ttl.days
    st.title("Privacy notice")
    st.header("Who holds your data")
    st.markdown(
        f"**{provider}**, the provider of this CPD module, holds the data you give here and is responsible for it. "
        "It runs this site and keeps the data in its own database; nothing is sold, shared for marketing, "
        "or sent to advertisers or analytics services."
    )
    st.header("What we keep, and why")
    st.markdown(
        "- **Your name, e-mail, profession and professional registration number**: to record your progress, "
        "to send you your links, and to issue and verify your certificate.\n"
        "- **Your answers, scores, the time you spent on each question, your evaluation and reflective note**: "
        "for your CPD record and certificate. The provider sees answers only in totals when improving the module.\n"
        "- **Your certificate**: its signed record, so that anyone you show it to can check it."
    )
    st.header("What the public verification page shows")
    st.markdown(
        "Anyone with your certificate's ID (printed on it, and in its QR code) can see: your name, your profession, "
        "the activity, the date, the CPD hours, the provider and whether the certificate is valid, expired or "
        "withdrawn. Your registration number is shown only in part (its last three digits); your score, "
        "answers, e-mail and reflective note are never shown."
    )
    st.header("How long data is kept")
    st.markdown(
        f"- A resume link works for **{resume_days} days** after it was issued; after that it no longer opens "
        "your attempt.\n"
        "- One-time sign-in links work for 30 minutes, once.\n"
        + (f"- A certificate is valid for **{months} months**; its record is kept while the certificate can be "
           "verified and for as long as the provider must keep CPD records, so an employer or regulator can still "
           "check it.\n" if months else "")
        + "- The rest of your record is kept for as long as the provider keeps CPD records, then deleted."
    )
    st.header("A copy of your data, corrections and erasure")
    st.markdown(
        "- **Get a copy of your data**: ask the provider (see below) for an export of everything held about you.\n"
        "- **Ask for erasure**: ask the provider to erase your data. A certificate already shown to others is then "
        "marked as withdrawn rather than silently disappearing, so no one is misled.\n"
        "- **Find your attempts and certificates**: on the Learn page, enter your e-mail to receive a one-time "
        "link."
    )
    st.header("Contact")
    contact = resources.certificate_design().provider_contact
    st.markdown(f"Write to **{provider}**" + (":" if contact else ", at the contact printed on your certificate."))
    if contact:
        st.text(contact)  # operator's text: plain, never Markdown
    st.caption("You may also complain to your country's data-protection authority.")
