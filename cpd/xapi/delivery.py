"""The outbox handler for statements: PUT each one to the LRS under its own id.

``PUT /statements?statementId=<id>`` makes delivery idempotent at the LRS: a
statement it already holds is answered 204 (same content) or 409 (the spec
lets an LRS answer either for a known id) and nothing is stored twice; both
mean "delivered". A network error, a 5xx, a 401/403 (credentials can be fixed)
or a 429 is retried with the outbox's backoff; a 400 (the LRS finds the
statement invalid) is marked failed for good with the LRS's reason, and
``python -m cpd outbox retry`` queues it again once fixed. The learner's
answers are in the database either way: ``python -m cpd xapi export`` rebuilds
every statement from them.
"""

from __future__ import annotations

import requests

from cpd.outbox.handlers import Effect, Handler, PermanentFailure, register
from cpd.settings import Settings
from cpd.xapi.hooks import KIND

TIMEOUT = (5, 30)  # connect, read (seconds)


def statements_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/statements"


def xapi_handler(settings: Settings) -> Handler:
    def deliver(effect: Effect) -> None:
        if not settings.xapi_endpoint:
            raise RuntimeError("CPD_XAPI_ENDPOINT is not set; statements wait in the outbox until it is")
        statement = effect.payload["statement"]
        auth = None
        if settings.xapi_username:
            password = settings.xapi_password.get_secret_value() if settings.xapi_password else ""
            auth = (settings.xapi_username, password)
        try:
            response = requests.put(
                statements_url(settings.xapi_endpoint), params={"statementId": effect.dedupe_key}, json=statement,
                headers={"X-Experience-API-Version": settings.xapi_version}, auth=auth, timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise RuntimeError(f"the LRS cannot be reached: {type(exc).__name__}") from None
        if response.status_code in (200, 204, 409):
            return
        detail = response.text[:500]
        if response.status_code == 400:
            raise PermanentFailure(f"the LRS refused the statement (400): {detail}")
        raise RuntimeError(f"the LRS answered {response.status_code}: {detail}")

    return deliver


register(KIND, xapi_handler)
