"""Heavy objects, made once per process and shared by all sessions (thread-safe)."""

from __future__ import annotations

import logging

import streamlit as st
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from cpd.attempts import module_for
from cpd.catalogue import Entry, choose, entries
from cpd.certificates.design import Design, load_default_design
from cpd.certificates.keys import configured_signing_key
from cpd.content.loader import ContentSet, LoadedModule, load_content, resolve_module
from cpd.settings import Settings, get_settings
from cpd.storage.db import open_store

log = logging.getLogger("cpd")


SECRET_SETTINGS = {"CPD_SIGNING_KEY_PEM": "signing_key_pem", "CPD_ADMIN_PASSWORD_HASH": "admin_password_hash",
                   "CPD_SMTP_URL": "smtp_url"}


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """Environment settings, with Streamlit secrets of the same names laid over them."""
    overlay = {field: value for name, field in SECRET_SETTINGS.items() if (value := secret(name))}
    base = get_settings()
    return Settings.model_validate({**base.model_dump(), **overlay}) if overlay else base


@st.cache_resource(show_spinner="Opening the database…")
def store() -> sessionmaker[Session]:
    """One engine per process; migrations run here, on start."""
    return open_store(settings().effective_database_url)


@st.cache_resource(show_spinner="Loading the modules…")
def content() -> ContentSet | None:
    """Every module in the content folders, or None (with the errors logged) if the content is broken."""
    cfg = settings()
    loaded = load_content([cfg.modules_dir, cfg.questions_dir])
    if not loaded.ok:
        for err in loaded.errors:
            log.error("content: %s", err)
        return None
    if cfg.module_id not in loaded.modules:
        log.error("content: the default module %r (CPD_MODULE_ID) is not in %s", cfg.module_id, cfg.modules_dir)
    return loaded


@st.cache_resource(show_spinner="Loading the module…")
def module(module_id: str) -> LoadedModule | None:
    loaded = content()
    if loaded is None or module_id not in loaded.modules:
        return None
    return resolve_module(loaded, module_id)


def catalogue() -> list[Entry]:
    loaded = content()
    return entries(loaded) if loaded is not None else []


def current_module() -> LoadedModule | None:
    """The module this visitor gets: ``?module=ID``, else their attempt's, else ``CPD_MODULE_ID`` (see cpd.catalogue)."""
    loaded = content()
    if loaded is None:
        return None
    from cpd.ui.session import STATE  # here, not at the top: the session module imports this one

    state = st.session_state.get(STATE)
    choice = choose(loaded.modules, requested=st.query_params.get("module"),
                    in_progress=getattr(state, "module_id", None), default=settings().module_id)
    if choice.problem:
        st.warning(choice.problem)
    return module(choice.module_id) if choice.module_id else None


def secret(name: str) -> str | None:
    """A value from Streamlit secrets, if any are configured (never from the repository)."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError):  # no secrets.toml at all
        return None
    return str(value) if value else None


@st.cache_resource(show_spinner=False)
def signing_key() -> Ed25519PrivateKey:
    """CPD_SIGNING_KEY_PEM (env or secrets), else the key file, created on first run (and logged)."""
    return configured_signing_key(settings())


@st.cache_resource(show_spinner=False)
def certificate_design() -> Design:
    return load_default_design(settings().certificates_dir)


def module_of(content_hash: str) -> LoadedModule:
    """The content an attempt runs on: the current module, or the snapshot it started on."""
    loaded = current_module()
    if loaded is not None and loaded.content_hash == content_hash:
        return loaded
    return module_for(store(), content_hash)


@st.cache_resource(show_spinner=False)
def warn_about_retired_settings() -> None:
    """Once per process: the shared admin password is retired; accounts replace it."""
    if settings().admin_password_hash:
        log.warning("CPD_ADMIN_PASSWORD_HASH is set but no longer opens anything: administrators sign in with "
                    "their own accounts. Run `python -m cpd user migrate-admin EMAIL` once to turn it into an "
                    "administrator account, then remove the setting.")
