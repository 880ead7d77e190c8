"""Two replicas (``streamlit run app.py``) on one PostgreSQL schema behind nginx, configured from
deploy/nginx.conf.template; learners are websocket tabs through the proxy (see tests/topology.py).

Faults: a replica killed with SIGKILL (its learners reconnect through the proxy to the other and carry on),
the only app process killed mid-attempt and restarted (the resume link brings the learner back), and two
replicas taking the same answer for one attempt at the same moment (it counts once).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pg_schema import fresh_schema_url
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker
from topology import App, Proxy, Tab, Target, answer_one, first_visit, start_attempt
from topology import run as run_async

from cpd.certificates.keys import write_private_key
from cpd.storage.tables import Attempt, Response

pytestmark = [pytest.mark.topology, pytest.mark.timeout(300)]
STREAM = "GET /_stcore/stream"


@pytest.fixture(scope="module")
def pg_url():
    """A schema of its own on the shared server (the replicas migrate it on start), dropped afterwards."""
    with fresh_schema_url("cpd_topo") as url:
        yield url


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pg_url):
    """Two replicas and the proxy; the replicas share the database and the signing key, nothing else."""
    from topology import app_env

    base = tmp_path_factory.mktemp("topology")
    key = base / "signing-key.pem"
    write_private_key(Ed25519PrivateKey.generate(), key)
    apps = []
    for name in ("a", "b"):
        (base / name).mkdir()
        apps.append(App(app_env(base / name, pg_url, key, CPD_TRUSTED_PROXY_HOPS="1"), base / f"{name}.log"))
    for app in apps:
        app.start(wait=False)
    for app in apps:
        app.wait_ready()
    proxy = Proxy(base / "nginx", [app.port for app in apps])
    factory = sessionmaker(create_engine(pg_url))
    yield apps, proxy, factory
    proxy.stop()
    for app in apps:
        app.stop()
    factory.kw["bind"].dispose()


def _responses(factory, attempt_id: str) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))


def _attempt_of(factory, token: str) -> str:
    from cpd import tokens

    with factory() as s:
        record = tokens.lookup(s, tokens.Purpose.RESUME, token)
        return record.subject_id if record is not None else None


async def _learner(proxy: Proxy, apps, i: int, answers: int):
    cookie = first_visit(proxy.port)
    async with Tab(Target(proxy.port, apps), cookie) as tab:
        render = await start_attempt(tab, i)
        if (skip := render.button("Skip the pre-test")) is not None:
            render = await tab.run(trigger=skip)
        for n in range(answers):
            render = await answer_one(tab, render, seed=i * 10 + n)
        return cookie, tab.token, render


def test_both_replicas_serve_and_each_browser_stays_on_one(cluster):
    apps, proxy, factory = cluster

    async def main():
        return await asyncio.gather(*(_learner(proxy, apps, i, answers=2) for i in range(8)))

    learners = run_async(main())
    served = proxy.served()
    by_route: dict[str, set[str]] = {}
    for _request, route, upstream in served:
        by_route.setdefault(route, set()).add(upstream)
    for cookie, token, _ in learners:
        assert len(by_route[cookie]) == 1, f"a browser's requests went to several replicas: {by_route[cookie]}"
        assert _responses(factory, _attempt_of(factory, token)) == 2
    sessions = Counter(upstream for request, route, upstream in served if request.startswith(STREAM))
    assert set(sessions) == {f"127.0.0.1:{app.port}" for app in apps}, f"websocket sessions per replica: {sessions}"
    assert sum(sessions.values()) == len(learners)


def test_two_replicas_taking_the_same_answer_at_once_count_it_once(cluster):
    """The same attempt open on both replicas (two tabs, one on each), the same question submitted together."""
    apps, proxy, factory = cluster

    async def main():
        _, token, _ = await _learner(proxy, apps, 100, answers=1)
        tabs = [Tab(Target(app.port, apps), token=token) for app in apps]  # straight to each replica
        for tab in tabs:
            await tab.__aenter__()
        try:
            screens = [await tab.run() for tab in tabs]
            import random

            values = []
            for screen in screens:
                submit = screen.button("Submit answer")
                assert submit is not None
                from rerun_cost import _answer_values

                values.append((_answer_values(screen, submit, random.Random(1)), submit))
            results = await asyncio.gather(*(tab.run(v, s) for tab, (v, s) in zip(tabs, values, strict=True)))
        finally:
            for tab in tabs:
                await tab.__aexit__(None, None, None)
        return token, results

    token, results = run_async(main())
    attempt_id = _attempt_of(factory, token)
    assert _responses(factory, attempt_id) == 2  # the first answer, and this one once
    got_feedback = [r.button("Continue", "See your results") is not None for r in results]
    assert sorted(got_feedback) == [False, True]
    loser = results[got_feedback.index(False)]
    assert any("already been answered" in t for t in loser.texts), loser.texts


def test_a_replica_killed_mid_attempt_its_learners_carry_on_through_the_other(cluster):
    apps, proxy, factory = cluster

    async def before():
        return await asyncio.gather(*(_learner(proxy, apps, 200 + i, answers=1) for i in range(6)))

    learners = run_async(before())
    home = {route: up for request, route, up in proxy.served() if request.startswith(STREAM)}
    # Six random cookies land on one replica alone once in 32 runs: kill whichever holds more of them.
    victim, survivor_app = max((apps, apps[::-1]), key=lambda pair: sum(
        home[learner[0]] == f"127.0.0.1:{pair[0].port}" for learner in learners))
    on_victim = [learner for learner in learners if home[learner[0]] == f"127.0.0.1:{victim.port}"]
    assert len(on_victim) >= 3
    victim.kill9()

    async def after():
        for cookie, token, _ in on_victim:
            # The page reconnects: same browser (cookie), same URL (resume token).
            async with Tab(Target(proxy.port, apps), cookie, token) as tab:
                render = await tab.run()
                assert render.button("Submit answer") is not None, render.texts[:6]
                await answer_one(tab, render, seed=7)

    run_async(after())
    for _cookie, token, _ in on_victim:
        assert _responses(factory, _attempt_of(factory, token)) == 2  # nothing lost, nothing twice
    survivor = f"127.0.0.1:{survivor_app.port}"
    later = [up for request, route, up in proxy.served()[-200:] if request.startswith(STREAM)
             and route in {c for c, _, _ in on_victim}]
    assert later and later[-1].endswith(survivor)


def test_the_app_killed_mid_attempt_and_restarted_the_learner_resumes_with_nothing_lost(tmp_path, pg_url):
    from topology import app_env

    key = tmp_path / "k.pem"
    write_private_key(Ed25519PrivateKey.generate(), key)
    app = App(app_env(tmp_path, pg_url, key), tmp_path / "app.log").start()
    factory = sessionmaker(create_engine(pg_url))
    try:
        async def first():
            async with Tab(Target(app.port, [app])) as tab:
                render = await start_attempt(tab, 300)
                if (skip := render.button("Skip the pre-test")) is not None:
                    render = await tab.run(trigger=skip)
                render = await answer_one(tab, render, seed=1)
                render = await answer_one(tab, render, seed=2)
                return tab.token, render

        token, render = run_async(first())
        app.kill9()
        app.start()

        async def resume():
            async with Tab(Target(app.port, [app]), token=token) as tab:
                screen = await tab.run()
                assert screen.button("Submit answer") is not None, screen.texts[:6]
                while screen.button("Submit answer") is not None:
                    screen = await answer_one(tab, screen, seed=3)
                return screen

        done = run_async(resume())
        attempt_id = _attempt_of(factory, token)
        with factory() as s:
            attempt = s.get(Attempt, attempt_id)
            assert attempt.phase in ("evaluation", "done") and attempt.percent is not None
        assert _responses(factory, attempt_id) == 4  # the mini module's four case questions, each once
        assert any("pass mark" in t for t in done.texts), done.texts[:6]  # the results page
        assert not [e for e in done.errors if e.startswith("exception")]
    finally:
        app.stop()
        factory.kw["bind"].dispose()
