"""The item types the engine knows: adding one is a module in ``cpd/items/``, a form in
``cpd/ui/item_forms/`` (same file name) and one line here.

Everything else reaches a type through ``type_of(item)``; nothing in the engine asks
which type an item is.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cpd.items.base import ItemBase, ItemType

MODULES = (
    "single_best",
    "select_all",
    "matrix",
    "rationale_pair",
)

TYPES: dict[str, ItemType[Any]] = {t.name: t for t in (import_module(f"cpd.items.{m}").TYPE for m in MODULES)}


def type_of(item: ItemBase) -> ItemType[Any]:
    return TYPES[item.type]


def models() -> tuple[type[ItemBase], ...]:
    return tuple(t.model for t in TYPES.values())
