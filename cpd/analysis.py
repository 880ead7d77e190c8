"""How a group answered an item: counts per category, through each item type's ``classify``.

Used for item analysis after the fact and for a facilitator's live answer
distribution in a workshop; it never needs to know the item's type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from cpd.items.base import ItemBase
from cpd.items.registry import type_of


def distribution(item: ItemBase, responses: Iterable[Mapping[str, Any]]) -> dict[str, Counter[str]]:
    """part -> category -> how many responses fell in it ("" is the part of a one-part item)."""
    out: dict[str, Counter[str]] = {}
    classify = type_of(item).classify
    for response in responses:
        for c in classify(item, response):
            out.setdefault(c.part, Counter())[c.category] += 1
    return out
