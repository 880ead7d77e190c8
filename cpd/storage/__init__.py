"""Persistence: one engine and session factory per process, migrations on start."""
