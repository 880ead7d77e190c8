"""The real app in a real browser: a Streamlit server on a free port, and Chromium through Playwright.

Playwright cannot download browsers here; Debian's Chromium is used instead.
Without it the browser tests skip with a message, except in CI (CI=true),
where a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"
CHROMIUM = os.environ.get("CPD_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
            return resp.read().decode().strip() == "ok"
    except OSError:
        return False


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory) -> Path:
    """The served app's data dir (its SQLite database), for tests that set up accounts."""
    return tmp_path_factory.mktemp("browser-data")


@pytest.fixture(scope="session")
def app_smtp(tmp_path_factory):
    """The SMTP server the served app's outbox worker delivers to (aiosmtpd, ``tests/smtp_server.py``).

    Tests read what a learner or manager received with ``app_smtp.messages()`` (filter by recipient: the
    served app is shared by every browser test).
    """
    from smtp_server import LocalSmtp  # tests/smtp_server.py (tests/ is on sys.path through tests/conftest.py)

    server = LocalSmtp(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_url(app_data_dir, app_smtp) -> str:
    """`streamlit run app.py` on the fixture module `mini`, with its own empty data dir, mailing to ``app_smtp``."""
    port = _free_port()
    url = f"http://localhost:{port}"
    data_dir = app_data_dir
    env = {
        **os.environ,
        "CPD_MODULES_DIR": str(FIXTURE_CONTENT / "modules"),
        "CPD_QUESTIONS_DIR": str(FIXTURE_CONTENT / "questions"),
        "CPD_MODULE_ID": "mini",
        "CPD_DATA_DIR": str(data_dir),
        "CPD_PUBLIC_URL": url,
        "CPD_SMTP_URL": app_smtp.url,
        "CPD_MAIL_FROM": "Reality Check CPD <cpd@example.org>",
        "CPD_OUTBOX_POLL_SECONDS": "0.5",
    }
    env.pop("CPD_DATABASE_URL", None)
    log = (data_dir / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (exit code {proc.poll()}); log:\n"
                            + (data_dir / "streamlit.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page of a journey reports what the Content-Security-Policy blocked; the journey fails if anything was.
RECORD_CSP_VIOLATIONS = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__csp.push("
    "e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.documentURI));"
)


@pytest.fixture(scope="module")
def page(browser):
    """One browser tab for a module's journey (its steps build on each other)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    try:
        blocked += page.evaluate("window.__csp || []")
    except Exception:  # noqa: BLE001 - the page may be closed or elsewhere; the console record stays
        pass
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked something during the journey: {blocked}"
