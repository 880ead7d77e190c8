"""People and organisations: accounts, roles, sign-in, invitations and learners' proven e-mail addresses.

Plain engine code (no Streamlit): pages and HTTP routes call it. Every account
or role change, and every failed sign-in, writes to the audit log in the same
transaction (``cpd.audit``); links are ``cpd.tokens`` tokens; e-mails go
through the outbox.
"""
