"""Pure builders of xAPI statements (valid under xAPI 1.0.3 and 2.0.0).

Why pure: live delivery and the JSON export must produce the very same
statement, id included, so an LRS that got a statement live and then the
export (or a re-sent statement after an outage) keeps one copy. The id is a
UUID v5 over what the statement is about (attempt, event, item, time), never
random.

Choices that keep statements valid under both versions: no ``version``
property (the LRS sets it), ``timestamp`` in UTC with milliseconds and ``Z``,
scores with ``raw`` inside ``[min, max]`` and ``scaled`` inside ``[-1, 1]``,
extension keys that are IRIs under ``CPD_PUBLIC_URL``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

# ADL verbs (the ADL vocabulary, http://adlnet.gov/expapi/verbs/).
VERBS = {
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
}
COURSE = "http://adlnet.gov/expapi/activities/course"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"

# Fixed namespace for statement ids: never change it, or re-sent statements get new ids.
ID_NAMESPACE = uuid.UUID("6f1c1d2e-4b0a-5c55-9a3e-8d1d3c2b7a10")


@dataclass(frozen=True)
class Learner:
    """Who did it: an e-mail (``mbox``) when known, else an account on this deployment (the learner's id)."""

    id: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class AttemptContext:
    """What every statement of one attempt shares."""

    base_url: str
    attempt_id: str  # a UUID: the statement's registration
    learner: Learner
    module_id: str
    module_version: str
    content_hash: str
    attempt_number: int
    delivery_format: str
    module_title: str | None = None


def module_iri(base_url: str, module_id: str) -> str:
    return f"{base_url.rstrip('/')}/xapi/activities/modules/{quote(module_id, safe='')}"


def item_iri(base_url: str, module_id: str, item_id: str) -> str:
    return f"{module_iri(base_url, module_id)}/items/{quote(item_id, safe='')}"


def extension(base_url: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/xapi/extensions/{name}"


def statement_id(attempt_id: str, event: str, *parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "\x1f".join((attempt_id, event, *parts))))


def timestamp(at: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (both versions accept it; 2.0.0 requires a zone)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def actor(ctx: AttemptContext) -> dict[str, Any]:
    who: dict[str, Any] = {"objectType": "Agent"}
    if ctx.learner.name:
        who["name"] = ctx.learner.name
    if ctx.learner.email:
        who["mbox"] = f"mailto:{ctx.learner.email}"
    else:
        who["account"] = {"homePage": ctx.base_url.rstrip("/"), "name": ctx.learner.id}
    return who


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-US": name}}


def _module_object(ctx: AttemptContext) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": COURSE}
    if ctx.module_title:
        definition["name"] = {"en-US": ctx.module_title}
    return {"objectType": "Activity", "id": module_iri(ctx.base_url, ctx.module_id), "definition": definition}


def _context(ctx: AttemptContext, *, parent: bool, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    extensions = {
        extension(ctx.base_url, "module-edition"): {"module": ctx.module_id, "version": ctx.module_version,
                                                    "content_hash": ctx.content_hash},
        extension(ctx.base_url, "attempt-number"): ctx.attempt_number,
        extension(ctx.base_url, "delivery-format"): ctx.delivery_format,
    }
    for key, value in (extra or {}).items():
        extensions[extension(ctx.base_url, key)] = value
    context: dict[str, Any] = {"registration": ctx.attempt_id, "platform": "Reality Check CPD",
                               "extensions": extensions}
    if parent:
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": module_iri(ctx.base_url, ctx.module_id)}]}
    return context


def score(points: float, max_points: float) -> dict[str, float]:
    """An xAPI score: raw within [min, max], scaled within [-1, 1] (a certainty mark may be negative)."""
    result = {"raw": points, "min": min(0.0, points), "max": max(max_points, points)}
    if max_points > 0:
        result["scaled"] = max(-1.0, min(1.0, round(points / max_points, 4)))
    return result


def _statement(sid: str, ctx: AttemptContext, verb: str, obj: dict[str, Any], at: datetime, *,
               result: dict[str, Any] | None = None, context: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {"id": sid, "actor": actor(ctx), "verb": _verb(verb), "object": obj,
                                 "context": context, "timestamp": timestamp(at)}
    if result is not None:
        statement["result"] = result
    return statement


def attempted(ctx: AttemptContext, at: datetime) -> dict[str, Any]:
    """The learner opened an attempt on the module."""
    return _statement(statement_id(ctx.attempt_id, "attempted"), ctx, "attempted", _module_object(ctx), at,
                      context=_context(ctx, parent=False))


def answered(ctx: AttemptContext, *, phase: str, item_id: str, response: Mapping[str, Any], points: float,
             max_points: float, correct: bool, at: datetime) -> dict[str, Any]:
    """One answer: the item as an interaction, the learner's response (JSON of option ids) and its score."""
    obj = {"objectType": "Activity", "id": item_iri(ctx.base_url, ctx.module_id, item_id),
           "definition": {"type": INTERACTION, "interactionType": "other", "name": {"en-US": item_id}}}
    result = {"score": score(points, max_points), "success": bool(correct), "completion": True,
              "response": json.dumps(dict(response), sort_keys=True, ensure_ascii=False)}
    return _statement(statement_id(ctx.attempt_id, "answered", phase, item_id, timestamp(at)), ctx, "answered", obj, at,
                      result=result, context=_context(ctx, parent=True, extra={"phase": phase}))


def graded(ctx: AttemptContext, *, points: float, max_points: float, percent: float, passed: bool,
           at: datetime) -> dict[str, Any]:
    """The cases are over: passed or failed, with the score the pass was judged on (``percent``)."""
    verb = "passed" if passed else "failed"
    result = {"score": {**score(points, max_points), "scaled": max(-1.0, min(1.0, round(percent / 100, 4)))},
              "success": bool(passed), "completion": True}
    return _statement(statement_id(ctx.attempt_id, "graded"), ctx, verb, _module_object(ctx), at, result=result,
                      context=_context(ctx, parent=False, extra={"percent": percent}))


def completed(ctx: AttemptContext, *, percent: float | None, passed: bool | None, at: datetime) -> dict[str, Any]:
    """The learner finished the module (evaluation and reflective note submitted)."""
    result: dict[str, Any] = {"completion": True}
    if passed is not None:
        result["success"] = bool(passed)
    if percent is not None:
        result["score"] = {"scaled": max(-1.0, min(1.0, round(percent / 100, 4)))}
    return _statement(statement_id(ctx.attempt_id, "completed"), ctx, "completed", _module_object(ctx), at,
                      result=result, context=_context(ctx, parent=False))
