"""Alembic environment: runs on the connection the app hands over (see cpd.storage.db.migrate)."""

from alembic import context

from cpd.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use
    from cpd.settings import get_settings
    from cpd.storage.db import make_engine

    connection = make_engine(get_settings().effective_database_url).connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
