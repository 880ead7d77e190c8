"""Signed, verifiable CPD certificates: record, PDF, Open Badge, verification.

Streamlit is never imported here (the verify page is ``cpd.ui.verify_view``); everything runs in
workers, the CLI and tests without a UI.
"""
