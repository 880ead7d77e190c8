"""Two app processes on one PostgreSQL show the same room: a phone on one, the projector on the other.

Nothing is shared between the processes but the database; the facilitator's
controls go through a third connection (the engine), as another replica's
console would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cpd.accounts import directory
from cpd.content.loader import load_module
from cpd.storage.db import open_store
from cpd.storage.tables import Account
from cpd.workshops import room

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover
    pytest.skip("playwright not installed: pip install -e '.[test]'", allow_module_level=True)

from conftest import FIXTURE_CONTENT, ROOT, _free_port, _healthy  # noqa: E402 - the browser tests' own conftest


def _serve(db_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    url = f"http://localhost:{port}"
    env = {**os.environ, "CPD_MODULES_DIR": str(FIXTURE_CONTENT / "modules"),
           "CPD_QUESTIONS_DIR": str(FIXTURE_CONTENT / "questions"), "CPD_MODULE_ID": "mini",
           "CPD_DATA_DIR": str(data_dir), "CPD_PUBLIC_URL": url, "CPD_DATABASE_URL": db_url,
           "CPD_OUTBOX_WORKER_IN_APP": "false"}
    log = (data_dir / f"streamlit-{port}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, url


@pytest.fixture
def two_servers(pg_schema_url, tmp_path):
    started = [_serve(pg_schema_url, tmp_path) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        for proc, url in started:
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    logs = "\n".join(p.read_text() for p in tmp_path.glob("streamlit-*.log"))
                    pytest.fail(f"a server did not start; logs:\n{logs}")
                time.sleep(0.2)
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def see(page: Page, text: str) -> None:
    expect(page.locator("[data-testid='stMain']").get_by_text(text, exact=False).first).to_be_visible(timeout=15_000)


def test_a_phone_on_one_process_and_the_projector_on_another_see_the_same_room(browser, two_servers, pg_schema_url):
    a, b = two_servers
    store = open_store(pg_schema_url)
    directory.create_organisation(store, "PG Society", "pg-soc")
    directory.create_account(store, "fac@pg.example", role="facilitator", org_slug="pg-soc", password="long password 12")
    with store() as s:
        from sqlalchemy import select
        who = directory.principal(s, s.scalars(select(Account.id).where(Account.email == "fac@pg.example")).one())
    loaded = load_module([FIXTURE_CONTENT], "mini")
    created = room.create(store, loaded, who, title="Two replicas", held_on="2026-12-02", venue="Leeds", cpd_hours=1)
    r = created.room

    # the polling route answers the same version on both processes
    for url in (a, b):
        with urllib.request.urlopen(f"{url}/api/workshops/{r.id}/version") as resp:
            assert resp.read() == f'{{"v":{r.version}}}'.encode()

    ph = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    ph.goto(f"{a}/workshop?code={r.join_code}")
    wait_for_app(ph)
    ph.get_by_label("Your name (as it should appear on your certificate)").fill("Dana Ivanova")
    ph.get_by_role("combobox", name="Profession").click()
    ph.get_by_role("option", name="Pharmacist", exact=True).click()
    ph.get_by_role("button", name="Join").click()
    see(ph, "Waiting for the facilitator")

    proj = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    proj.goto(f"{b}/workshop?k={created.projector_key}")
    wait_for_app(proj)
    see(proj, "1 joined")
    see(proj, "Dana Ivanova")  # named mode: the lobby lists who joined

    room.open_item(store, loaded, r.id, "q-source", who)
    see(ph, "What do you ask first?")
    see(proj, "0 of 1 answered")
    ph.locator("[data-testid='stRadioOption']").filter(has_text=re.compile("^The colour of the box$")).click()
    ph.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(r"^Not sure \(1\)$")).click()
    ph.get_by_role("button", name="Submit answer").click()
    see(ph, "Your answer is saved")
    see(proj, "1 of 1 answered")

    room.reveal(store, r.id, who)
    see(proj, "most-chosen wrong answer")
    see(ph, "Not right")
    # the phone's seat survives a reload on the *other* process
    seat_url = ph.url.replace(a, b)
    ph.goto(seat_url)
    wait_for_app(ph)
    see(ph, "Dana Ivanova")
    see(ph, "Not right")
    store.kw["bind"].dispose()
