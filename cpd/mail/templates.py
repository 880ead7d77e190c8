"""Mail templates: each message is ``NAME.subject.txt``, ``NAME.txt`` and ``NAME.html`` in ``templates/``.

Jinja2 renders them; the HTML environment escapes every value (autoescape),
so a name like ``<script>`` arrives as text. Undefined variables are errors,
not blanks, so a template and its caller cannot drift apart unnoticed; an
optional value is tested with ``{% if name is defined and name %}``.

Templates shipped: ``invite`` (link, expires, role; optional name,
organisation), ``password_reset`` and ``sign_in_link`` (link, expires;
optional name, and for a sign-in link an optional purpose such as "confirm
your e-mail address"), ``test`` (public_url).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

TEMPLATES = Path(__file__).parent / "templates"


class TemplateMissing(LookupError):
    """No template of that name (all three files are needed)."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=4)
def _environment(html: bool, folder: Path = TEMPLATES) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, context: dict[str, Any], *, folder: Path = TEMPLATES) -> RenderedMail:
    """The subject (one line), plain text and HTML of template ``name`` filled with ``context``."""
    text_env, html_env = _environment(False, folder), _environment(True, folder)
    try:
        subject = text_env.get_template(f"{name}.subject.txt").render(context)
        text = text_env.get_template(f"{name}.txt").render(context)
        html = html_env.get_template(f"{name}.html").render(context)
    except TemplateNotFound as exc:
        raise TemplateMissing(f"mail template {name!r} is incomplete: {exc.name} not found in {folder}") from None
    return RenderedMail(subject=" ".join(subject.split()), text=text, html=html)
