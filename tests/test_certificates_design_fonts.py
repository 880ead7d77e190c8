"""Design files and font coverage: refuse names we cannot print, say what to install."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_certificates_support import (  # noqa: F401
    DEFAULT_DESIGN,
    NOW,
    PUBLIC_URL,
    design,
    make_request,
    needs_cjk,
    private_key,
)

from cpd.certificates.bundle import sign_record
from cpd.certificates.design import DesignError, load_design
from cpd.certificates.fonts import MissingGlyphsError, ensure_printable, font_set_for, missing_glyphs
from cpd.certificates.pdf import render_certificate_pdf
from cpd.certificates.request import build_record

SCRIPT_NAMES = ["Zoë Ångström-Müller", "Σωκράτης Παπαδόπουλος", "Анна Каренина", "محمد عبد الله"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    signature = DEFAULT_DESIGN.parent / "placeholder-signature.svg"  # the sample design's image, beside it
    (tmp_path / signature.name).write_bytes(signature.read_bytes())
    return path


def test_default_design_loads(design):
    assert design.provider and design.signatory.name
    assert [f.family for f in design.fonts][:2] == ["Noto Sans", "Noto Sans Arabic"]
    fonts = font_set_for(design)
    assert fonts.families[:2] == ("Noto Sans", "Noto Sans Arabic")


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (lambda t: t.replace('primary: "#1F4E79"', 'primary: "navy"'), "colours.primary"),
        (lambda t: t.replace("provider: Reality Check CPD\n", ""), "provider"),
        (lambda t: t.replace('  role: "[PLACEHOLDER: role]"\n', ""), "signatory.role"),
        (lambda t: t + "\nunexpected_field: 1\n", "unexpected_field"),
    ],
)
def test_design_errors_name_file_and_field(tmp_path, mutation, field):
    path = _write(tmp_path, mutation(DEFAULT_DESIGN.read_text(encoding="utf-8")))
    with pytest.raises(DesignError) as err:
        load_design(path)
    assert str(path) in str(err.value) and f"field '{field}'" in str(err.value)


def test_design_font_path_must_exist(tmp_path):
    text = DEFAULT_DESIGN.read_text(encoding="utf-8") + "  - family: Clinic Serif\n    path: fonts/Clinic.ttf\n"
    with pytest.raises(DesignError, match="Clinic.ttf does not exist"):
        load_design(_write(tmp_path, text))


def test_design_broken_yaml(tmp_path):
    with pytest.raises(DesignError, match="not valid YAML"):
        load_design(_write(tmp_path, "provider: [unclosed\n"))


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_names_in_each_script_are_covered(design, name):
    assert missing_glyphs(name, font_set_for(design)) == set()


@needs_cjk
def test_cjk_name_is_covered(design):
    assert missing_glyphs("王小明", font_set_for(design)) == set()


@pytest.mark.parametrize(("char", "name"), [("\U00010000", "LINEAR B"), ("\U00013000", "EGYPTIAN HIEROGLYPH")])
def test_uncovered_name_is_refused_before_rendering(design, private_key, char, name):
    record = build_record(make_request(f"Anna {char}"), design=design, public_url=PUBLIC_URL, issued_at=NOW)
    with pytest.raises(MissingGlyphsError) as err:
        render_certificate_pdf(sign_record(record, private_key), design)
    message = str(err.value)
    assert "learner name" in message
    assert f"U+{ord(char):04X}" in message and name in message
    assert "Install a font" in message and "fonts-noto" in message and "certificates/default.yaml" in message
    assert err.value.missing == {char}


@pytest.mark.parametrize(
    ("text", "hint"),
    [("王小明", "fonts-noto-cjk"), ("محمد", "fontpkg-noto-sans-arabic")],
)
def test_missing_script_font_says_which_package(tmp_path, text, hint):
    # A design that lists only Noto Sans simulates a machine without the other fonts.
    body = DEFAULT_DESIGN.read_text(encoding="utf-8").split("fonts:")[0] + "fonts:\n  - family: Noto Sans\n"
    latin_only = font_set_for(load_design(_write(tmp_path, body)))
    with pytest.raises(MissingGlyphsError) as err:
        ensure_printable({"learner name": text}, latin_only)
    assert hint in str(err.value)


def test_unknown_family_is_skipped_not_fatal(tmp_path):
    text = DEFAULT_DESIGN.read_text(encoding="utf-8") + "  - family: No Such Font\n"
    fonts = font_set_for(load_design(_write(tmp_path, text)))
    assert "No Such Font" in fonts.missing_families and "Noto Sans" in fonts.families
