"""Plain-data YAML with a map from data paths to line numbers.

Errors must name file, line and field, so we keep the YAML node tree beside
the data. Only the safe loader is used: arbitrary tags (``!!python/...``) are
refused, because content is data, never code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cpd.content.models import ITEM_TYPES

PathKey = tuple[str | int, ...]
# pydantic puts the chosen union member in an error location; it is not in the data.
UNION_TAGS = frozenset(ITEM_TYPES)


class ContentError(Exception):
    """One problem in the content, located for an author to fix."""

    def __init__(self, file: str, line: int | None, where: str, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.where, self.message = file, line, where, message

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class YamlDocument:
    file: str
    data: Any
    root: yaml.Node | None
    _lines: dict[PathKey, int] = field(default_factory=dict)

    def locate(self, loc: tuple[Any, ...]) -> tuple[PathKey, int | None]:
        """Follow a pydantic error location through the YAML tree.

        Elements that are not in the data (a union's type tag) are skipped, and the
        deepest node reached gives the line.
        """
        node, path = self.root, []
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        child = value_node
                        line = key_node.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                if part not in UNION_TAGS:
                    path.append(part)  # a missing field: reported at its parent's line
                continue
            node = child
            path.append(part)
        return tuple(path), line

    def error(self, loc: tuple[Any, ...], message: str) -> ContentError:
        path, line = self.locate(loc)
        return ContentError(self.file, line, format_path(path), message)


def read_yaml(path: Path, display: str) -> YamlDocument:
    """Load one file; raises ContentError for unreadable or non-plain YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(display, None, "", f"cannot read file: {exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader is the safe one
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        if isinstance(exc, yaml.constructor.ConstructorError):
            problem = f"not plain data: {problem} (tags such as !!python/... are not allowed)"
        raise ContentError(display, line, "", problem) from exc
    except yaml.YAMLError as exc:
        raise ContentError(display, None, "", f"invalid YAML: {exc}") from exc
    return YamlDocument(display, data, root)
