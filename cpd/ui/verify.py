"""The public verification page (``?verify=<id>`` or an uploaded file)."""

from cpd.certificates.keys import configured_public_key
from cpd.ui import resources
from cpd.ui.verify_view import render_verify_page


def page() -> None:
    render_verify_page(resources.store(), configured_public_key(resources.settings()))
