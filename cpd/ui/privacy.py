"""The privacy notice: who holds a learner's data, what is public, how long it is kept, how to get it back.

Plain words for a learner deciding whether to type their name and registration number.
The figures come from the code that enforces them (link lifetimes in ``cpd.tokens.POLICIES``, the
"find my attempts" throttle in ``cpd.accounts.learner_access``, the certificate's validity), so the
notice cannot drift from what the app does.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from cpd.accounts import learner_access
from cpd.tokens import POLICIES, Purpose
from cpd.ui import resources


def span(value: timedelta) -> str:
    """A lifetime in words: "30 minutes", "1 hour", "4 hours", "90 days"."""
    minutes = int(value.total_seconds() // 60)
    for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}" + ("" if count == 1 else "s")
    return f"{minutes} minutes"  # pragma: no cover - every policy is a whole number of minutes


def find_my_attempts_text() -> str:
    """What "find my attempts and certificates" keeps and for how long (Markdown list items)."""
    link, view = POLICIES[Purpose.SIGN_IN_LINK], POLICIES[Purpose.LEARNER_VIEW]
    window = span(learner_access.WINDOW)
    uses = "once" if link.max_uses == 1 else f"{link.max_uses} times"
    idle = f", and closes after **{span(view.idle)}** without use" if view.idle else ""
    return (
        f"- One-time links (to confirm your e-mail address, or to find your attempts and certificates) work for "
        f"**{span(link.ttl)}**, {uses}. The list of your attempts and certificates that a \"find my attempts\" "
        f"link opens stays open for at most **{span(view.ttl)}**{idle}; \"Close this list\" closes it at once.\n"
        "- Each request for a \"find my attempts\" link is logged, to stop anyone flooding an inbox: the e-mail "
        "address typed and your network (IP) address, each stored only as a one-way hash (never in clear), with "
        f"the time. At most {learner_access.PER_ADDRESS} requests per e-mail address and "
        f"{learner_access.PER_CLIENT} per network address are accepted in any {window}. A request is kept for "
        f"**{window}**; after that it is deleted within the next hour.\n"
    )


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
        + find_my_attempts_text()
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
        "- **Find your attempts and certificates**: on the [Find my attempts and certificates](my-attempts) page, "
        "enter your e-mail to receive a one-time link."
    )
    st.header("Contact")
    contact = resources.certificate_design().provider_contact
    st.markdown(f"Write to **{provider}**" + (":" if contact else ", at the contact printed on your certificate."))
    if contact:
        st.text(contact)  # operator's text: plain, never Markdown
    st.caption("You may also complain to your country's data-protection authority.")
