"""PostgreSQL stopped for a few seconds while learners answer (a throw-away cluster, never the shared server):
the learner is told "could not save, retrying", and once the server is back every answer is stored once."""

from __future__ import annotations

import asyncio
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mini_answers import LEARNER, RIGHT
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from topology import App, Tab, Target, ThrowawayPostgres, answer_one, app_env, start_attempt
from topology import run as run_async

from cpd import attempts, tokens
from cpd.certificates.keys import write_private_key
from cpd.storage.db import open_store
from cpd.storage.tables import Response

pytestmark = [pytest.mark.topology, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def cluster():
    pg = ThrowawayPostgres()
    yield pg
    pg.destroy()


def _count(store, attempt_id: str) -> int:
    with store() as s:
        return s.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))


def test_the_engine_refuses_while_the_server_is_down_and_stores_once_when_it_is_back(cluster, mini):
    store = open_store(cluster.url)
    _, state = attempts.start_attempt(store, mini, LEARNER, pretest=False)
    first = attempts.next_item(mini, state)
    _, state = attempts.submit_answer(store, mini, state.attempt_id, first, *RIGHT[first])
    second = attempts.next_item(mini, state)
    cluster.stop()
    try:
        with pytest.raises(OperationalError):
            attempts.submit_answer(store, mini, state.attempt_id, second, *RIGHT[second])
    finally:
        cluster.start()
    assert _count(store, state.attempt_id) == 1  # the refused answer was not half-stored
    attempts.submit_answer(store, mini, state.attempt_id, second, *RIGHT[second])
    with pytest.raises(attempts.OutOfOrder):  # the same answer again (a retry) is refused, not stored twice
        attempts.submit_answer(store, mini, state.attempt_id, second, *RIGHT[second])
    assert _count(store, state.attempt_id) == 2
    store.kw["bind"].dispose()


def test_the_learner_sees_could_not_save_retrying_and_the_answer_is_kept_once(cluster, tmp_path):
    key = tmp_path / "k.pem"
    write_private_key(Ed25519PrivateKey.generate(), key)
    app = App(app_env(tmp_path, cluster.url, key), tmp_path / "app.log").start()
    store = open_store(cluster.url)
    try:
        async def main():
            async with Tab(Target(app.port, [app])) as tab:
                render = await start_attempt(tab, 1)
                if (skip := render.button("Skip the pre-test")) is not None:
                    render = await tab.run(trigger=skip)
                render = await answer_one(tab, render, seed=1)
                submit = render.button("Submit answer")
                import random

                from rerun_cost import _answer_values

                values = _answer_values(render, submit, random.Random(2))
                await asyncio.to_thread(cluster.stop)
                started = time.monotonic()
                pending = asyncio.create_task(tab.run(values, submit))
                await asyncio.sleep(2.0)  # the server stays away for a couple of seconds of retries
                await asyncio.to_thread(cluster.start)
                during = await pending
                waited = time.monotonic() - started
                assert during.button("Continue", "See your results") is not None, during.texts[:8]
                after = await tab.run(trigger=during.button("Continue", "See your results"))
                while after.button("Submit answer") is not None:
                    after = await answer_one(tab, after, seed=3)
                return tab.token, during, waited

        token, during, waited = run_async(main())
        assert any("Could not save your answer just now" in t and "Retrying" in t for t in during.texts), during.texts
        assert waited >= 2.0
        with store() as s:
            attempt_id = tokens.lookup(s, tokens.Purpose.RESUME, token).subject_id
        assert _count(store, attempt_id) == 4  # every case question once: none lost, none twice
    finally:
        app.stop()
        store.kw["bind"].dispose()
