"""What the workshop pages share: the room poller, the join link and its QR code, the projector's drawing.

Text from participants (names) is shown with ``st.text`` or escaped into HTML;
item and evidence text is our own validated content, escaped all the same.
"""

from __future__ import annotations

import io
from html import escape
from pathlib import Path
from typing import Any

import segno
import streamlit as st
import streamlit.components.v1 as components

from cpd.content.loader import LoadedModule
from cpd.ui import resources
from cpd.web.workshops import version_url
from cpd.workshops import codes, room
from cpd.workshops.room import Counts, Room

_poller = components.declare_component("workshop_poller", path=str(Path(__file__).parent / "workshop_poller"))
POLL_MS = 1500
# Phones wait a random 0-SPREAD_MS before redrawing after a change: a room of 300 sees it within one poll
# interval, and spreading the redraws over more time keeps answers from queueing behind them (bench/README.md).
SPREAD_MS = 800


def follow_room(r: Room, *, key: str = "room-poll") -> None:
    """A hidden poller: it asks the version route every 1.5 s and reruns this page only when the room changed."""
    _poller(url=version_url(r.id), version=r.version, every_ms=POLL_MS, spread_ms=SPREAD_MS, key=key, default=None)


def join_url(r: Room) -> str:
    return f"{resources.settings().public_url.rstrip('/')}/workshop?code={r.join_code}"


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", mask=0).save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def qr_image(url: str, size: int) -> None:
    """The QR code as an image with a text alternative (the link it opens)."""
    uri = segno.make(url, error="m", mask=0).svg_data_uri(scale=8, border=2)
    st.html(f'<img src="{escape(uri, quote=True)}" width="{size}" height="{size}" '
            f'alt="{escape("QR code to join: " + url, quote=True)}">')


def big(text: str, size: str = "2.2rem", weight: int = 600, colour: str = "#111") -> None:
    st.html(f'<p style="font-size:{size};font-weight:{weight};color:{colour};margin:.2em 0;line-height:1.25">'
            f"{escape(text)}</p>")


def stage_of(loaded: LoadedModule, stage_id: str | None) -> Any:
    return next((s for c in loaded.cases for s in c.stages if s.id == stage_id), None)


def projector(r: Room, loaded: LoadedModule) -> None:
    """The projected room: large type for the back row, readable at 1280x720."""
    store = resources.store()
    c: Counts = room.counts(store, r)
    big(r.title, "2.6rem", 700)
    if r.status != "open":
        big(f"The workshop has finished. {c.joined} took part. Thank you.", "2rem", 400)
        return
    if r.paused:
        big("Paused", "3rem", 700, "#8a4b00")
    if r.open_item is None:
        _lobby(r, c, loaded)
        return
    item = loaded.item(r.open_item)
    stage = stage_of(loaded, r.stage_id)
    if stage is not None:
        big(stage.title, "1.6rem", 600, "#333")
    big(item.stem, "2.2rem", 700)
    if r.open_item in r.revealed:
        _revealed(r, loaded)
        return
    labels = [ch.text for ch in getattr(room_view(loaded, item), "choices", ())]
    if labels:
        st.html("<ol style='font-size:1.8rem;line-height:1.5'>" + "".join(f"<li>{escape(t)}</li>" for t in labels)
                + "</ol>")
    state = "Answers closed" if r.open_item in r.closed else "Answering"
    big(f"{state}: {c.answered} of {c.joined} answered", "2rem", 600, "#1a5fb4")


def room_view(loaded: LoadedModule, item: Any) -> Any:
    from cpd.items.base import as_shown
    from cpd.items.registry import type_of

    return type_of(item).public_view(item, as_shown)


def _lobby(r: Room, c: Counts, loaded: LoadedModule) -> None:
    left, right = st.columns([3, 2])
    with left:
        big("Join on your phone", "2rem", 600)
        big(f"{resources.settings().public_url.rstrip('/')}/workshop", "1.6rem", 400)
        big(f"Code: {codes.shown(r.join_code)}", "4rem", 800, "#b3261e")
        big(f"{c.joined} joined", "2.4rem", 700, "#1a5fb4")
        stage = stage_of(loaded, r.stage_id)
        if stage is not None:
            big(stage.title, "1.8rem", 600)
            big(stage.narrative, "1.5rem", 400)
    with right:
        qr_image(join_url(r), 320)
        big("Scan to join", "1.4rem", 400)
    if c.names:
        st.html("<p style='font-size:1.4rem'>" + ", ".join(escape(n) for n in c.names) + "</p>")


def _revealed(r: Room, loaded: LoadedModule) -> None:
    assert r.open_item is not None
    bars = room.revealed_distribution(resources.store(), loaded, r, r.open_item)
    total = max((b.count for b in bars), default=0) or 1
    rows = []
    for b in bars:
        colour = "#1e7b34" if b.correct else ("#b3261e" if b.misconception else "#6b6b6b")
        tag = " ✔ right answer" if b.correct else (" ⚠ most-chosen wrong answer: discuss" if b.misconception else "")
        part = f"{escape(b.part)}: " if b.part else ""
        rows.append(
            f"<div style='margin:.4em 0'><div style='font-size:1.5rem'>{part}{escape(b.label)}"
            f"<strong>{escape(tag)}</strong></div>"
            f"<div style='display:flex;align-items:center;gap:.5em'>"
            f"<div style='background:{colour};height:1.6rem;width:{max(1, int(70 * b.count / total))}%'></div>"
            f"<span style='font-size:1.6rem;font-weight:700'>{b.count}</span></div></div>")
    st.html("<div role='img' aria-label='How the room answered, per option'>" + "".join(rows) + "</div>")
    item = loaded.item(r.open_item)
    rationale = [o for o in getattr(item, "options", []) if getattr(o, "correct", False)]
    for o in rationale:
        big(f"Why: {o.rationale}", "1.5rem", 400)
    if item.feedback:
        big(item.feedback, "1.4rem", 400)
    seen: set[str] = set()
    for ref_id in item.evidence + [e for o in getattr(item, "options", []) for e in o.evidence]:
        if ref_id in seen:
            continue
        seen.add(ref_id)
        ref = loaded.reference(ref_id)
        big(f"Evidence ({ref.strength.label}): {ref.authors} ({ref.year}). {ref.title}. {ref.journal}.", "1.2rem", 400,
            "#333")
