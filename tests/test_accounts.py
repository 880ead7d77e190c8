"""Organisations, accounts, roles, sign-in with a throttle in the database, invitations and resets (both stores)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cpd import audit, tokens
from cpd.accounts import directory, links, signin
from cpd.accounts.directory import DirectoryError
from cpd.accounts.passwords import WeakPassword
from cpd.storage.tables import Account, AuditEntry, OutboxEffect, SignInFailure

PASSWORD = "correct horse battery staple"
PUBLIC = "https://cpd.example.org"


def admin_account(store, email="admin@example.org"):
    return directory.create_account(store, email, role="admin", password=PASSWORD)


def actions(store) -> list[str]:
    with store() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def outbox(store) -> list[dict]:
    with store() as s:
        return [json.loads(p) for p in s.scalars(select(OutboxEffect.payload_json).order_by(OutboxEffect.id))]


def link_in(mail: dict) -> str:
    return next(line for line in mail["text"].splitlines() if line.startswith(PUBLIC)).split("token=", 1)[1]


def test_an_organisation_gets_a_short_name_that_is_unique(store):
    org = directory.create_organisation(store, "Société Française d'Esthétique")
    assert org.slug == "societe-francaise-d-esthetique"
    with pytest.raises(DirectoryError, match="exists already"):
        directory.create_organisation(store, "Another", slug="societe-francaise-d-esthetique")
    with pytest.raises(DirectoryError, match="lower-case letters"):
        directory.create_organisation(store, "Bad", slug="Not A Slug!")
    with pytest.raises(ValueError, match="HTML"):
        directory.create_organisation(store, "<script>x</script>")
    assert [o.slug for o in directory.list_organisations(store)] == ["societe-francaise-d-esthetique"]
    assert actions(store) == ["organisation.create"]


def test_an_email_is_unique_within_an_organisation_not_across(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    directory.create_organisation(store, "Clinic B", slug="b")
    directory.create_account(store, "Sam@Example.org", role="manager", org_slug="a", password=PASSWORD)
    with pytest.raises(DirectoryError, match="exists already in a"):
        directory.create_account(store, "sam@example.org ", role="author", org_slug="a")
    directory.create_account(store, "sam@example.org", role="facilitator", org_slug="b")  # another organisation
    admin_account(store, "sam@example.org")  # and a deployment administrator
    with pytest.raises(DirectoryError, match="administrators"):
        admin_account(store, "SAM@example.org")
    with store() as s:
        assert sorted(a.email for a in s.scalars(select(Account))) == ["sam@example.org"] * 3


def test_roles_belong_where_they_make_sense(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    with pytest.raises(DirectoryError, match="deployment role"):
        directory.create_account(store, "x@example.org", role="admin", org_slug="a")
    with pytest.raises(DirectoryError, match="role in an organisation"):
        directory.create_account(store, "x@example.org", role="manager")
    with pytest.raises(DirectoryError, match="Unknown role"):
        directory.create_account(store, "x@example.org", role="owner", org_slug="a")
    with pytest.raises(DirectoryError, match="No organisation"):
        directory.create_account(store, "x@example.org", role="manager", org_slug="nope")
    with pytest.raises(WeakPassword, match="12 characters"):
        directory.create_account(store, "x@example.org", role="manager", org_slug="a", password="short")
    with pytest.raises(ValueError, match="e-mail address"):
        directory.create_account(store, "not an address", role="manager", org_slug="a")


def test_a_manager_manages_their_own_organisation_only(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    directory.create_organisation(store, "Clinic B", slug="b")
    boss = directory.create_account(store, "boss@a.example", role="manager", org_slug="a", password=PASSWORD)
    other = directory.create_account(store, "other@b.example", role="author", org_slug="b")
    with store() as s:
        manager = directory.principal(s, boss.id)
    assert manager is not None and manager.is_staff and not manager.is_admin
    mine = directory.create_account(store, "new@a.example", role="author", org_slug="a", actor=manager)
    with pytest.raises(DirectoryError, match="may not manage"):
        directory.create_account(store, "new@b.example", role="author", org_slug="b", actor=manager)
    with pytest.raises(DirectoryError, match="may not manage"):
        directory.set_role(store, other.id, "manager", True, actor=manager)
    with pytest.raises(DirectoryError, match="may not manage"):
        directory.create_account(store, "root@x.example", role="admin", actor=manager)
    directory.set_role(store, mine.id, "facilitator", True, actor=manager)
    seen = directory.list_accounts(store, viewer=manager)
    assert {(a.email, a.roles) for a in seen} == {("boss@a.example", ("manager",)),
                                                 ("new@a.example", ("author", "facilitator"))}
    assert actions(store)[-2:] == ["account.create", "account.role_grant"]


def test_the_last_administrator_stays(store):
    root = admin_account(store)
    with pytest.raises(DirectoryError, match="last administrator"):
        directory.set_role(store, root.id, "admin", False)
    with pytest.raises(DirectoryError, match="last administrator"):
        directory.set_disabled(store, root.id, True)
    second = admin_account(store, "second@example.org")
    directory.set_disabled(store, root.id, True)
    assert directory.admin_exists(store)
    with store() as s:
        assert directory.principal(s, root.id) is None and directory.principal(s, second.id).is_admin


def test_sign_in_opens_a_session_that_expires_when_idle_and_at_its_limit(store):
    root = admin_account(store)
    result = signin.authenticate(store, " ADMIN@example.org", PASSWORD, client="10.0.0.1")
    assert result.ok and result.principal.account_id == root.id and result.principal.is_admin
    token = result.session_token
    assert signin.session_principal(store, token).email == "admin@example.org"
    policy = tokens.POLICIES[tokens.Purpose.SESSION]
    now = datetime.now(UTC)
    assert signin.session_principal(store, token, now=now + policy.idle - timedelta(minutes=1)) is not None
    assert signin.session_principal(store, token, now=now + policy.idle + timedelta(minutes=1)) is None  # idle
    for step in range(1, 20):  # kept alive by use, it still ends at the absolute limit
        moment = now + step * (policy.idle - timedelta(minutes=5))
        alive = signin.session_principal(store, token, touch=True, now=moment)
        assert (alive is not None) == (moment < now + policy.ttl), moment
    assert signin.session_principal(store, "forged-" + "x" * 40) is None
    assert actions(store)[-1] == "sign_in.success"


def test_sign_out_and_disabling_end_the_session(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    acc = directory.create_account(store, "f@a.example", role="facilitator", org_slug="a", password=PASSWORD)
    t1 = signin.authenticate(store, "f@a.example", PASSWORD, client="c").session_token
    t2 = signin.authenticate(store, "f@a.example", PASSWORD, client="c").session_token
    assert signin.sign_out(store, t1) and not signin.sign_out(store, t1)
    assert signin.session_principal(store, t1) is None and signin.session_principal(store, t2) is not None
    admin_account(store)
    directory.set_disabled(store, acc.id, True)
    assert signin.session_principal(store, t2) is None
    assert not signin.authenticate(store, "f@a.example", PASSWORD, client="c").ok


def test_wrong_passwords_say_nothing_about_which_part_was_wrong_and_are_audited(store):
    admin_account(store)
    unknown = signin.authenticate(store, "nobody@example.org", PASSWORD, client="c")
    wrong = signin.authenticate(store, "admin@example.org", "wrong password, long enough", client="c")
    assert unknown.message == wrong.message == "Wrong e-mail or password."
    with store() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.failure").order_by(AuditEntry.id)))
        assert [json.loads(e.details_json)["known_account"] for e in entries] == [False, True]
        assert "admin@example.org" not in "".join(e.targets_json + e.details_json for e in entries)
        assert all(r.ok for r in audit.verify(s, all_chains=True))


def test_twenty_wrong_passwords_from_one_client_do_not_lock_the_admin_out(store):
    admin_account(store)
    seen = [signin.authenticate(store, "admin@example.org", f"guess number {i:02d} long", client="203.0.113.9").message
            for i in range(20)]
    assert seen[:5] == ["Wrong e-mail or password."] * 5
    assert all(m.startswith("Too many wrong passwords from here") for m in seen[5:])
    # Even the right password waits on the attacking client ...
    assert not signin.authenticate(store, "admin@example.org", PASSWORD, client="203.0.113.9").ok
    # ... while the real administrator, elsewhere, signs in at once.
    assert signin.authenticate(store, "admin@example.org", PASSWORD, client="198.51.100.7").ok
    assert signin.failures_recorded(store) == 5  # refused attempts are not counted again


def test_one_client_guessing_many_accounts_is_stopped_and_the_window_passes(store):
    admin_account(store)
    limits = signin.Limits(window=timedelta(minutes=15), per_account_and_client=5, per_client=8, per_account=100)
    t0 = datetime.now(UTC)
    for i in range(8):
        r = signin.authenticate(store, f"user{i}@example.org", "whatever, long enough", client="bad", now=t0, limits=limits)
        assert r.message == "Wrong e-mail or password."
    blocked = signin.authenticate(store, "admin@example.org", PASSWORD, client="bad", now=t0, limits=limits)
    assert blocked.message.startswith("Too many") and "15 minutes" in blocked.message
    later = t0 + timedelta(minutes=15, seconds=1)
    assert signin.authenticate(store, "admin@example.org", PASSWORD, client="bad", now=later, limits=limits).ok
    with store() as s:  # old failures are cleared as new ones come in; only the window is kept
        assert all(f.failed_at for f in s.scalars(select(SignInFailure)))


def test_the_throttle_is_shared_through_the_database(store):
    """Two 'replicas' are two engines on the same database: failures on one count on the other."""
    from sqlalchemy.orm import sessionmaker

    from cpd.storage.db import make_engine

    admin_account(store)
    engine = make_engine(store.kw["bind"].url.render_as_string(hide_password=False))
    other_replica = sessionmaker(engine, expire_on_commit=False)
    for i in range(5):
        signin.authenticate(store if i % 2 else other_replica, "admin@example.org", f"guess {i} long enough", client="x")
    assert signin.authenticate(other_replica, "admin@example.org", PASSWORD, client="x").message.startswith("Too many")
    engine.dispose()


def test_an_invitation_is_emailed_and_the_invitee_chooses_their_password_once(store):
    directory.create_organisation(store, "Clinic A", slug="a")
    acc = links.invite(store, "new@a.example", role="author", org_slug="a", public_url=PUBLIC)
    assert not signin.authenticate(store, "new@a.example", "", client="c").ok
    [mail] = outbox(store)
    assert mail["to"] == "new@a.example" and "Clinic A" in mail["subject"] and "as author" in mail["text"]
    token = link_in(mail)
    purpose, account = links.peek(store, token)
    assert purpose == tokens.Purpose.INVITE and account.id == acc.id
    with pytest.raises(WeakPassword):
        links.set_password_with_link(store, token, "short")
    assert links.peek(store, token) is not None  # a refused password does not use the link up
    links.set_password_with_link(store, token, PASSWORD)
    with pytest.raises(links.LinkError, match="does not work any more"):
        links.set_password_with_link(store, token, PASSWORD + "2")
    assert signin.authenticate(store, "new@a.example", PASSWORD, client="c").ok
    done = actions(store)
    assert done[1:3] == ["account.invite", "account.invite_sent"] and "account.password_set" in done


def test_a_password_reset_ends_old_sessions_and_says_nothing_about_unknown_addresses(store):
    admin_account(store)
    old = signin.authenticate(store, "admin@example.org", PASSWORD, client="c").session_token
    links.request_password_reset(store, "nobody@example.org", org_slug=None, public_url=PUBLIC)
    assert outbox(store) == []
    links.request_password_reset(store, "admin@example.org", org_slug=None, public_url=PUBLIC)
    links.request_password_reset(store, "admin@example.org", org_slug=None, public_url=PUBLIC)  # no flood
    [mail] = outbox(store)
    assert mail["subject"] == "Reset your Reality Check CPD password"
    links.set_password_with_link(store, link_in(mail), "a brand new passphrase")
    assert signin.session_principal(store, old) is None
    assert not signin.authenticate(store, "admin@example.org", PASSWORD, client="c").ok
    assert signin.authenticate(store, "admin@example.org", "a brand new passphrase", client="c").ok


def test_the_same_person_in_two_organisations_names_which(store):
    for slug in ("a", "b"):
        directory.create_organisation(store, f"Clinic {slug}", slug=slug)
        directory.create_account(store, "sam@example.org", role="author", org_slug=slug, password=PASSWORD)
    both = signin.authenticate(store, "sam@example.org", PASSWORD, client="c")
    assert not both.ok and "several organisations" in both.message
    one = signin.authenticate(store, "sam@example.org", PASSWORD, client="c", org_slug="b")
    assert one.ok and one.principal.organisation_slug == "b"


def test_the_stored_password_is_an_argon2_hash(store):
    admin_account(store)
    with store() as s:
        stored = s.scalar(select(Account.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
