"""Which fonts print a certificate, and whether they cover a given text.

A PDF renderer that lacks a glyph prints an empty box ("tofu") — a certificate
with a box where the learner's name should be is worse than no certificate. So
before rendering we check every printed character against the fonts' cmaps and
refuse with a message that says what to install.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import typst
from fontTools.ttLib import TTFont

from cpd.certificates.design import Design

log = logging.getLogger(__name__)

# Where Debian (fonts-noto-cjk), Fedora and Arch put Noto CJK.
SYSTEM_CJK_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/truetype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
)


class MissingGlyphsError(ValueError):
    """Text that no available font can print; the message says what to install."""

    def __init__(self, field: str, missing: set[str]) -> None:
        self.field = field
        self.missing = missing
        described = ", ".join(
            f"U+{ord(c):04X} {unicodedata.name(c, 'UNNAMED CHARACTER')}" for c in sorted(missing)
        )
        hints = sorted({install_hint(c) for c in missing})
        super().__init__(
            f"Cannot print the {field}: no installed certificate font has a glyph for "
            f"{described}. To fix: {' '.join(hints)}"
        )


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    index: int


@dataclass(frozen=True)
class FontSet:
    """The fonts a design resolves to on this machine, in priority order."""

    families: tuple[str, ...]  # design families that were found, in design order
    faces: tuple[FontFace, ...]  # one regular face per family, same order
    missing_families: tuple[str, ...]
    typst_fonts: typst.Fonts


def bundled_font_dirs() -> list[Path]:
    """Font folders shipped as PyPI packages (always present)."""
    return [Path(fontpkg_noto_sans.ROOT) / "files", Path(fontpkg_noto_sans_arabic.ROOT) / "files"]


def system_cjk_dirs() -> list[Path]:
    return [d for d in SYSTEM_CJK_DIRS if d.is_dir() and any(d.glob("NotoSansCJK*"))]


def _font_dirs(design: Design) -> tuple[Path, ...]:
    dirs: list[Path] = []
    for spec in design.fonts:
        font_file = design.font_file(spec)
        if font_file is not None:
            dirs.append(font_file.resolve().parent)
    dirs += bundled_font_dirs() + system_cjk_dirs()
    return tuple(dict.fromkeys(dirs))


def font_set_for(design: Design) -> FontSet:
    """Resolve the design's font list on this machine (cached per list)."""
    specs = tuple((s.family, str(design.font_file(s)) if s.path else None) for s in design.fonts)
    return _font_set(specs, _font_dirs(design))


@lru_cache(maxsize=8)
def _font_set(specs: tuple[tuple[str, str | None], ...], dirs: tuple[Path, ...]) -> FontSet:
    # Scanning folders costs ~50 ms with the CJK collections; do it once per process.
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=[str(d) for d in dirs]
    )
    by_family: dict[str, list[typst.FontInfo]] = {}
    for info in fonts.fonts():
        if info.path:
            by_family.setdefault(info.family.casefold(), []).append(info)
    families: list[str] = []
    faces: list[FontFace] = []
    missing: list[str] = []
    for family, wanted_path in specs:
        candidates = by_family.get(family.casefold(), [])
        if wanted_path is not None:
            candidates = [c for c in candidates if Path(c.path or "").resolve() == Path(wanted_path).resolve()]
        if not candidates:
            log.warning("Certificate font family %r not found; certificates print without it.", family)
            missing.append(family)
            continue
        best = min(candidates, key=lambda c: (c.style != "normal", abs(c.weight - 400)))
        families.append(best.family)
        faces.append(FontFace(best.family, Path(best.path or ""), best.index))
    return FontSet(tuple(families), tuple(faces), tuple(missing), fonts)


@lru_cache(maxsize=32)
def _cmap(path: Path, index: int) -> frozenset[int]:
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _needs_glyph(ch: str) -> bool:
    # Spaces and invisible format characters (ZWJ, ZWNJ, direction marks) are
    # handled by the shaper and need no glyph of their own.
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")


def missing_glyphs(text: str, fonts: FontSet | list[FontFace] | tuple[FontFace, ...]) -> set[str]:
    """Characters of ``text`` that none of ``fonts`` has in its cmap."""
    faces = fonts.faces if isinstance(fonts, FontSet) else fonts
    cmaps = [_cmap(face.path, face.index) for face in faces]
    return {ch for ch in set(text) if _needs_glyph(ch) and not any(ord(ch) in cmap for cmap in cmaps)}


def ensure_printable(fields: dict[str, str], fonts: FontSet) -> None:
    """Raise ``MissingGlyphsError`` for the first field with an uncovered character."""
    for field, text in fields.items():
        missing = missing_glyphs(text, fonts)
        if missing:
            raise MissingGlyphsError(field, missing)


_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x31FF), (0x3200, 0x9FFF),
    (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_NOTO_SANS_RANGES = ((0x0000, 0x052F), (0x1E00, 0x1FFF), (0x2000, 0x20CF))


def install_hint(ch: str) -> str:
    """What to install so that ``ch`` prints."""
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
        return "Install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk) for Chinese, Japanese and Korean."
    if any(lo <= cp <= hi for lo, hi in _ARABIC_RANGES):
        return "Install the Python package fontpkg-noto-sans-arabic (pip install fontpkg-noto-sans-arabic) for Arabic script."
    if any(lo <= cp <= hi for lo, hi in _NOTO_SANS_RANGES):
        return "Install the Python package fontpkg-noto-sans (pip install fontpkg-noto-sans) for Latin, Greek and Cyrillic."
    return (
        "Install a font that covers this script (for example a Noto font from the Debian packages "
        "fonts-noto-core or fonts-noto-extra) and add its family to 'fonts:' in the certificate design "
        "(certificates/default.yaml)."
    )
