"""`python -m cpd user ...` and `python -m cpd org ...` on both stores; the retired shared password migrates once."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import streamlit as st
from sqlalchemy import select

from cpd import cli
from cpd.accounts import signin
from cpd.accounts.passwords import hash_password
from cpd.settings import get_settings
from cpd.storage.tables import Account, OutboxEffect

PASSWORD = "correct horse battery staple"


@pytest.fixture
def run(store, monkeypatch):
    monkeypatch.setenv("CPD_DATABASE_URL", store.kw["bind"].url.render_as_string(hide_password=False))
    monkeypatch.delenv("CPD_ADMIN_PASSWORD_HASH", raising=False)
    get_settings.cache_clear()

    def _run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        get_settings.cache_clear()
        return cli.main(list(argv))

    yield _run
    get_settings.cache_clear()


def test_the_first_admin_and_a_manager_from_the_command_line(run, store, capsys):
    assert run("user", "add", "--role", "admin", "Root@Example.org", stdin=PASSWORD + "\n") == 0
    assert "added root@example.org as admin" in capsys.readouterr().out
    assert signin.authenticate(store, "root@example.org", PASSWORD, client="c").ok
    assert run("org", "add", "Clinic Ångström") == 0
    assert "short name clinic-angstrom" in capsys.readouterr().out
    assert run("user", "add", "--role", "manager", "--org", "clinic-angstrom", "m@example.org", stdin="another long password\n") == 0
    assert run("org", "list") == 0 and capsys.readouterr().out.splitlines()[-1] == "clinic-angstrom\tClinic Ångström"
    assert run("user", "list") == 0
    assert "m@example.org\tclinic-angstrom\tmanager\tactive" in capsys.readouterr().out.splitlines()


def test_there_is_never_a_default_password(run, store, capsys):
    assert run("user", "add", "--role", "admin", "root@example.org", stdin="") == 1
    assert "no password given" in capsys.readouterr().err
    assert run("user", "add", "--role", "admin", "root@example.org", stdin="short\n") == 1
    assert "at least 12 characters" in capsys.readouterr().err
    with store() as s:
        assert s.scalar(select(Account)) is None


def test_passwords_typed_at_a_terminal_are_asked_twice(run, store, monkeypatch, capsys):
    import getpass

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, PASSWORD + " typo"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", Tty())
    assert cli.main(["user", "add", "--role", "admin", "root@example.org"]) == 1
    assert "the two passwords differ" in capsys.readouterr().err


def test_bad_requests_are_refused_with_a_message(run, capsys):
    assert run("user", "add", "--role", "manager", "m@example.org", stdin=PASSWORD) == 1
    assert "give its short name" in capsys.readouterr().err
    assert run("user", "add", "--role", "manager", "--org", "nope", "m@example.org", stdin=PASSWORD) == 1
    assert "No organisation with the short name 'nope'" in capsys.readouterr().err
    assert run("org", "add", "!!!") == 1
    assert "give --slug" in capsys.readouterr().err


def test_an_invitation_from_the_command_line_goes_to_the_outbox(run, store, capsys):
    run("org", "add", "Clinic A", "--slug", "a")
    assert run("user", "invite", "--role", "author", "--org", "a", "new@a.example") == 0
    with store() as s:
        mail = json.loads(s.scalar(select(OutboxEffect.payload_json)))
    assert mail["to"] == "new@a.example" and "/auth/set-password?token=" in mail["text"]


def test_the_shared_admin_password_becomes_an_account_once(run, store, monkeypatch, capsys):
    assert run("user", "migrate-admin", "root@example.org") == 1
    assert "CPD_ADMIN_PASSWORD_HASH is not set" in capsys.readouterr().err
    monkeypatch.setenv("CPD_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    assert run("user", "migrate-admin", "root@example.org") == 0
    assert "now remove CPD_ADMIN_PASSWORD_HASH" in capsys.readouterr().out
    assert signin.authenticate(store, "root@example.org", PASSWORD, client="c").principal.is_admin
    assert run("user", "migrate-admin", "root@example.org") == 1  # once only
    assert "exists already" in capsys.readouterr().err
    monkeypatch.setenv("CPD_ADMIN_PASSWORD_HASH", "not-a-hash")
    assert run("user", "migrate-admin", "other@example.org") == 1
    assert "not an argon2 password hash" in capsys.readouterr().err


def test_the_retired_setting_is_ignored_with_a_warning(monkeypatch, caplog, tmp_path):
    from cpd.ui import resources

    monkeypatch.setenv("CPD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CPD_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    get_settings.cache_clear()
    st.cache_resource.clear()
    with caplog.at_level(logging.WARNING, logger="cpd"):
        resources.warn_about_retired_settings()
    assert "CPD_ADMIN_PASSWORD_HASH is set but no longer opens anything" in caplog.text
    assert "migrate-admin" in caplog.text
    st.cache_resource.clear()
    get_settings.cache_clear()
