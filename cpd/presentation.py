"""What the learner's browser may see of an item, and the feedback after it.

``public_item`` strips the answer key (which option is correct, rationales):
pages render only this before an answer is submitted, so the key never
reaches the browser or the session state. ``feedback`` is built only from a
stored answer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cpd.content.loader import LoadedModule
from cpd.content.models import Item, MatrixItem, RationalePairItem, Reference, SelectAllItem, SingleBestItem
from cpd.scoring import uses_certainty


@dataclass(frozen=True)
class Choice:
    id: str
    text: str


@dataclass(frozen=True)
class PublicItem:
    id: str
    type: str
    stem: str
    choices: tuple[Choice, ...] = ()  # single_best / select_all options; matrix rows
    columns: tuple[Choice, ...] = ()  # matrix columns
    actions: tuple[Choice, ...] = ()
    reasons: tuple[Choice, ...] = ()
    action_prompt: str = ""
    reason_prompt: str = ""
    asks_certainty: bool = False


def _order(choices: list[Choice], seed: int, salt: str, shuffle: bool) -> tuple[Choice, ...]:
    if shuffle:
        choices = list(choices)
        random.Random(f"{seed}:{salt}").shuffle(choices)
    return tuple(choices)


def public_item(loaded: LoadedModule, item: Item, seed: int) -> PublicItem:
    """The item as shown before submission: text and ids only, in this attempt's order."""
    shuffle = loaded.module.delivery.shuffle_options
    if isinstance(item, (SingleBestItem, SelectAllItem)):
        return PublicItem(
            item.id, item.type, item.stem,
            choices=_order([Choice(o.id, o.text) for o in item.options], seed, item.id, shuffle),
            asks_certainty=uses_certainty(item, loaded.module.delivery.certainty_based_marking),
        )
    if isinstance(item, MatrixItem):
        return PublicItem(
            item.id, item.type, item.stem,
            choices=_order([Choice(r.id, r.text) for r in item.rows], seed, item.id, shuffle),
            columns=tuple(Choice(c.id, c.text) for c in item.columns),
        )
    assert isinstance(item, RationalePairItem)
    return PublicItem(
        item.id, item.type, item.stem,
        actions=_order([Choice(o.id, o.text) for o in item.actions], seed, item.id + ":a", shuffle),
        reasons=_order([Choice(o.id, o.text) for o in item.reasons], seed, item.id + ":r", shuffle),
        action_prompt=item.action_prompt,
        reason_prompt=item.reason_prompt,
    )


@dataclass(frozen=True)
class PartFeedback:
    text: str
    chosen: str | None  # what the learner chose (option chosen / column chosen)
    right: str | None  # the right answer, where it differs from the part text itself
    is_correct: bool  # this part was the right choice (options) or answered rightly (rows)
    was_chosen: bool
    rationale: str


@dataclass(frozen=True)
class Feedback:
    item_id: str
    correct: bool
    points: float
    max_points: float
    cbm_marks: int | None
    certainty: int | None
    parts: tuple[PartFeedback, ...]
    general: str | None
    references: tuple[Reference, ...]


def _refs(loaded: LoadedModule, ids: list[str]) -> tuple[Reference, ...]:
    seen: dict[str, Reference] = {}
    for ref_id in ids:
        if ref_id not in seen:
            seen[ref_id] = loaded.reference(ref_id)
    return tuple(seen.values())


def feedback(loaded: LoadedModule, item: Item, answer: Any) -> Feedback:
    """Feedback for a stored answer: each chosen option's rationale, the right one's, and the evidence."""
    response: Mapping[str, Any] = answer.response
    parts: list[PartFeedback] = []
    cited = list(item.evidence)
    if isinstance(item, (SingleBestItem, SelectAllItem)):
        chosen = {response.get("option")} if isinstance(item, SingleBestItem) else set(response.get("options", []))
        for o in item.options:
            if o.id in chosen or o.correct:
                parts.append(PartFeedback(o.text, None, None, o.correct, o.id in chosen, o.rationale))
                cited += o.evidence
        parts.sort(key=lambda p: not p.was_chosen)  # what the learner chose first, then what they missed
    elif isinstance(item, MatrixItem):
        cols = {c.id: c.text for c in item.columns}
        rows = response.get("rows", {})
        for r in item.rows:
            got = rows.get(r.id)
            parts.append(PartFeedback(r.text, cols.get(got, "no answer"), cols[r.answer], got == r.answer, True, r.rationale))
            cited += r.evidence
    else:
        assert isinstance(item, RationalePairItem)
        for group, key in ((item.actions, "action"), (item.reasons, "reason")):
            for o in group:
                if o.id == response.get(key) or o.correct:
                    parts.append(PartFeedback(o.text, None, None, o.correct, o.id == response.get(key), o.rationale))
                    cited += o.evidence
    return Feedback(
        item.id, answer.correct, answer.points, answer.max_points, answer.cbm_marks, answer.certainty,
        tuple(parts), item.feedback, _refs(loaded, cited),
    )
