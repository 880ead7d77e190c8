"""Handlers per kind of effect: the module that owns a kind registers a factory for it.

A handler is called with one ``Effect`` and returns when the receiver has it.
Any exception means "try again later"; ``PermanentFailure`` means retrying
cannot help (an address the server refuses for good).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cpd.settings import Settings


@dataclass(frozen=True)
class Effect:
    id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    tries: int  # including this one


Handler = Callable[[Effect], None]
HandlerFactory = Callable[[Settings], Handler]


class PermanentFailure(Exception):
    """The receiver refused the effect for good; it is marked failed without more tries."""


_FACTORIES: dict[str, HandlerFactory] = {}

# Modules that register handlers when imported; add a module here when it adds a kind.
BUILTIN = ("cpd.outbox.mail", "cpd.xapi.delivery", "cpd.lti.grades", "cpd.workshops.certify")


def register(kind: str, factory: HandlerFactory) -> None:
    """Make ``kind`` deliverable: ``factory(settings)`` returns the handler a worker uses."""
    _FACTORIES[kind] = factory


def handlers_for(settings: Settings) -> dict[str, Handler]:
    """Every registered kind's handler, built from ``settings``."""
    for name in BUILTIN:
        importlib.import_module(name)
    return {kind: factory(settings) for kind, factory in _FACTORIES.items()}
