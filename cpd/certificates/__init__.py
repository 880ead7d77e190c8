"""Signed, verifiable CPD certificates: record, PDF, Open Badge, verification.

Streamlit is imported only by ``cpd.certificates.ui``; everything else runs in
workers, the CLI and tests without a UI.
"""
