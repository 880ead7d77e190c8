"""The deployment files, checked as files (this machine has no container daemon): they parse, the image does not
run as root, and the services, health checks, websockets and cookie stickiness are there.

tests/test_topology.py runs the same topology (two replicas on one PostgreSQL behind nginx) without containers.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _instructions(text: str) -> list[tuple[str, str]]:
    """Dockerfile instructions (continuation lines joined, comments dropped) as (KEYWORD, arguments)."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_the_image_runs_as_a_non_root_user_with_a_health_check():
    steps = _instructions((ROOT / "Dockerfile").read_text())
    users = [args for word, args in steps if word == "USER"]
    assert users, "the image must name a USER"
    final_user = users[-1].split(":")[0]
    assert final_user not in ("root", "0")
    assert [w for w, _ in steps].index("USER") > max(i for i, (w, _) in enumerate(steps) if w == "RUN")
    created = " ".join(args for word, args in steps if word == "RUN")
    assert "useradd" in created and final_user in created
    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "/_stcore/health" in health and "CMD" in health
    assert any(word == "CMD" and "streamlit run app.py" in args for word, args in steps)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_replicas_postgres_the_worker_a_migrate_step_and_the_proxy():
    services = _compose()["services"]
    assert {"postgres", "migrate", "app", "worker", "proxy"} <= set(services)
    assert services["app"]["deploy"]["replicas"] >= 2
    assert services["migrate"]["command"] == ["python", "-m", "cpd", "migrate"]
    assert services["worker"]["command"] == ["python", "-m", "cpd", "worker"]
    for name in ("app", "worker"):
        env = services[name]["environment"]
        assert env["CPD_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["CPD_DATABASE_URL"]
        assert env["CPD_OUTBOX_WORKER_IN_APP"] == "false"  # one worker service sends the mail
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in env  # the same on every replica
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("postgres", "app", "worker", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert "/_stcore/health" in " ".join(services["app"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    proxy = services["proxy"]
    assert "nginx" in proxy["image"]
    assert any("deploy/nginx.conf.template" in v and "/etc/nginx/templates/" in v for v in proxy["volumes"])
    assert "app:8501" in proxy["environment"]["CPD_UPSTREAM_SERVERS"]


def test_the_proxy_file_hashes_a_cookie_not_the_address_and_passes_websockets():
    conf = (ROOT / "deploy" / "nginx.conf.template").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"hash\s+\$cpd_route\s+consistent;", code)
    assert "ip_hash" not in code and "$remote_addr;" not in code.split("upstream", 1)[1].split("}", 1)[0]
    assert re.search(r"map\s+\$cookie_cpd_route\s+\$cpd_route\b", code)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade;", code)
    assert re.search(r"proxy_set_header\s+Connection\s+\$cpd_connection_upgrade;", code)
    assert "proxy_http_version 1.1;" in code
    assert set(re.findall(r"\$\{(\w+)\}", code)) == {"CPD_LISTEN", "CPD_UPSTREAM_SERVERS", "CPD_ACCESS_LOG"}
