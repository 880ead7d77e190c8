"""One deployment serves several modules: which one a visitor gets.

The catalogue is every module in the content folders. ``CPD_MODULE_ID`` is the
default; ``?module=ID`` picks another; a learner in the middle of an attempt
stays on that attempt's module (a resume link carries no ``module=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cpd.content.loader import ContentSet


@dataclass(frozen=True)
class Entry:
    id: str
    title: str


@dataclass(frozen=True)
class Choice:
    module_id: str | None
    problem: str | None = None  # said to the visitor when their ``?module=`` was not found


def entries(content: ContentSet) -> list[Entry]:
    return sorted((Entry(m.id, str(m.title)) for m in content.modules.values()), key=lambda e: e.title.lower())


def choose(available: Mapping[str, object], *, requested: str | None, in_progress: str | None, default: str) -> Choice:
    """The module to serve; an unknown request falls back to the default and says so."""
    if requested:
        wanted = requested.strip()
        if wanted in available:
            return Choice(wanted)
        fallback = default if default in available else None
        return Choice(fallback, f"There is no module called “{wanted[:80]}” here"
                                + ("; showing the default module instead." if fallback else "."))
    if in_progress and in_progress in available:
        return Choice(in_progress)
    return Choice(default if default in available else None)
