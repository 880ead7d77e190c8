"""The public verification page (``?verify=<id>`` or an uploaded file)."""

from cpd.certificates.key_registry import published_keys
from cpd.certificates.keys import configured_public_key
from cpd.ui import resources
from cpd.ui.verify_view import render_verify_page


def page() -> None:
    factory = resources.store()
    configured = configured_public_key(resources.settings())
    with factory() as session:
        keys = published_keys(session, *([configured] if configured else []))
    render_verify_page(factory, keys)
