"""The public verification page (``?verify=<id>`` or an uploaded file)."""

from cpd.certificates.ui import render_verify_page
from cpd.ui import resources


def page() -> None:
    render_verify_page(resources.store(), resources.settings(), signing_key_pem=resources.secret("CPD_SIGNING_KEY_PEM"))
