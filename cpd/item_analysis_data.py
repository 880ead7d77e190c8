"""Stored answers as item-analysis input: one workshop's, or every self-paced attempt of a module.

Scores are each answer's points over the item's maximum; the options chosen come
from the item type's ``classify``, so no type is special-cased here. Only the
items of the content given are analysed (an answer to an item a later version
dropped is left out), and only the ``cases`` phase (the pre-test is not the test).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cpd.content.loader import LoadedModule
from cpd.exports import csv_bytes
from cpd.item_analysis import Answer, ItemInput, OptionInfo, TestStats, analyse, fmt
from cpd.items.registry import type_of
from cpd.storage.tables import Attempt, Response


def _options(item: object) -> tuple[OptionInfo, ...]:
    out: list[OptionInfo] = []
    seen: set[str] = set()
    for option_set in type_of(item).option_sets(item):  # type: ignore[arg-type]
        for o in option_set.options:
            if o.id not in seen:
                seen.add(o.id)
                out.append(OptionInfo(o.id, o.text, o.keyed))
    return tuple(out)


def inputs(loaded: LoadedModule, attempt_ids: Sequence[str],
           rows: Sequence[tuple[str, str, str, float, float]]) -> list[ItemInput]:
    """``rows``: (attempt id, item id, answer JSON, points, max points) of the ``cases`` phase."""
    index = {a: n for n, a in enumerate(attempt_ids)}
    by_item: dict[str, list[Answer | None]] = {i.id: [None] * len(attempt_ids) for i in loaded.items()}
    items = {i.id: i for i in loaded.items()}
    for attempt_id, item_id, answer_json, points, max_points in rows:
        if item_id not in by_item or attempt_id not in index:
            continue
        item = items[item_id]
        chosen = frozenset(c.category for c in type_of(item).classify(item, json.loads(answer_json)))
        score = points / max_points if max_points else 0.0
        by_item[item_id][index[attempt_id]] = Answer(max(0.0, min(1.0, score)), chosen)
    return [ItemInput(i.id, i.stem, _options(i), tuple(by_item[i.id])) for i in loaded.items()]


def _rows(session: Session, attempt_ids: Sequence[str]) -> list[tuple[str, str, str, float, float]]:
    if not attempt_ids:
        return []
    out: list[tuple[str, str, str, float, float]] = []
    for start in range(0, len(attempt_ids), 500):  # keep IN lists short
        chunk = list(attempt_ids[start:start + 500])
        out += [(r.attempt_id, r.item_id, r.answer_json, r.points, r.max_points) for r in session.execute(
            select(Response.attempt_id, Response.item_id, Response.answer_json, Response.points, Response.max_points)
            .where(Response.attempt_id.in_(chunk), Response.phase == "cases"))]
    return out


def for_attempts(factory: sessionmaker[Session], loaded: LoadedModule, attempt_ids: Sequence[str]) -> TestStats:
    with factory() as session:
        rows = _rows(session, attempt_ids)
    return analyse(inputs(loaded, attempt_ids, rows))


def for_module(factory: sessionmaker[Session], loaded: LoadedModule, *, date_from: date | None = None,
               date_to: date | None = None) -> TestStats:
    """Every self-paced (online) attempt of the module that reached the cases, on any content version."""
    with factory() as session:
        q = select(Attempt.id).where(Attempt.module_id == loaded.module.id, Attempt.delivery_format == "online",
                                     Attempt.phase.in_(("cases", "evaluation", "done"))).order_by(Attempt.started_at)
        ids = list(session.scalars(q))
        if date_from is not None or date_to is not None:
            started = dict(session.execute(select(Attempt.id, Attempt.started_at).where(Attempt.id.in_(ids))).all()) \
                if ids else {}
            ids = [a for a in ids if (date_from is None or started[a].date() >= date_from)
                   and (date_to is None or started[a].date() <= date_to)]
        rows = _rows(session, ids)
    return analyse(inputs(loaded, ids, rows))


HEADER = ("Item", "Question", "Answered", "Facility", "Point-biserial (corrected)", "Upper-lower D", "Flags")


def csv(stats: TestStats) -> bytes:
    """One row per item, then one per option, then the reliability: spreadsheet-safe (``cpd.exports``)."""
    rows: list[tuple[object, ...]] = []
    for i in stats.items:
        rows.append((i.item_id, i.label, i.answered, fmt(i.facility), fmt(i.point_biserial), fmt(i.upper_lower),
                     "; ".join(i.flags)))
        for o in i.options:
            role = "key" if o.keyed else "distractor" if o.keyed is False else "option"
            rows.append((i.item_id, f"  {role}: {o.label}", o.chosen_by, fmt(o.share), "", "", ""))
    rows.append(("", f"{stats.reliability_name} ({stats.participants} participants)", "", stats.reliability_text,
                 "", "", ""))
    return csv_bytes(HEADER, rows)
