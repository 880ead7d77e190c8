"""The deployment files, checked as files (this machine has no container daemon): they parse, the image does not
run as root, and the services, health checks, websockets and cookie stickiness are there.

tests/test_topology.py runs the same topology (two replicas on one PostgreSQL behind nginx) without containers.
"""

from __future__ import annotations

import re
import subprocess
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


def _code(path: Path) -> str:
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


def test_the_proxy_main_config_has_room_for_a_600_phone_workshop_and_compose_mounts_it():
    from topology import deploy_nginx_limits, proxy_main_conf

    code = _code(ROOT / "deploy" / "nginx.conf")
    connections, rlimit = deploy_nginx_limits()
    # 600 phones on one worker: two connections each at the proxy, one more each towards a replica
    assert connections >= 3 * 600 and connections > 1024  # above the official image's default
    assert rlimit >= 2 * connections
    events = re.search(r"^events\s*\{([^}]*)\}", code, re.MULTILINE)
    assert events and re.search(rf"\bworker_connections\s+{connections};", events.group(1))
    assert re.search(rf"^worker_rlimit_nofile\s+{rlimit};", code, re.MULTILINE)  # main context, not in a block
    http = code.split("http", 1)[1]
    assert "include /etc/nginx/conf.d/*.conf;" in http  # where the image renders deploy/nginx.conf.template
    # the site file is http-context: the connection settings cannot live there
    site = _code(ROOT / "deploy" / "nginx.conf.template")
    assert "events" not in site and "worker_connections" not in site

    proxy = _compose()["services"]["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert any(v.startswith("./deploy/nginx.conf.template:/etc/nginx/templates/") for v in proxy["volumes"])
    assert proxy["ulimits"]["nofile"]["soft"] >= rlimit and proxy["ulimits"]["nofile"]["hard"] >= rlimit
    pid = re.search(r"^pid\s+(\S+);", code, re.MULTILINE)
    assert pid and pid.group(1) in " ".join(proxy["healthcheck"]["test"])  # the health check reads that pid file

    # the topology tests and the replicas benchmark run nginx with the same figures
    local = proxy_main_conf(Path("/tmp/x"), Path("/tmp/x/cpd.conf"))
    assert f"worker_connections {connections};" in local and f"worker_rlimit_nofile {rlimit};" in local


def test_nginx_accepts_the_main_config_with_the_rendered_site(tmp_path):
    """``nginx -t`` on deploy/nginx.conf (paths moved into a temporary prefix; no nginx user on this machine)."""
    from topology import nginx_binary, render_proxy_conf

    nginx = nginx_binary()
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "cpd.conf").write_text(render_proxy_conf("8080", [8501], tmp_path / "access.log"))
    (tmp_path / "mime.types").write_text("types { text/html html; }\n")
    main = (ROOT / "deploy" / "nginx.conf").read_text()
    main = re.sub(r"^user\s+\S+;", "", main, flags=re.MULTILINE)
    main = (main.replace("/etc/nginx/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
            .replace("/run/nginx.pid", f"{tmp_path}/nginx.pid"))
    (tmp_path / "nginx.conf").write_text(main)
    for d in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp", "logs"):
        (tmp_path / d).mkdir()
    done = subprocess.run([nginx, "-t", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf"),
                           "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
