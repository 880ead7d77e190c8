"""Certificate design from YAML, so a society or clinic restyles without code.

Wording, colours, signatory and fonts live in ``certificates/<name>.yaml``. The
values are validated here; an error names the file and the field to fix.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cpd.certificates.record import reject_control_characters

_HEX = r"^#[0-9A-Fa-f]{6}$"


class DesignError(ValueError):
    """A design file that cannot be used, with the file and field named."""


class Colours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    primary: str = Field(default="#1F4E79", pattern=_HEX)
    accent: str = Field(default="#C9A227", pattern=_HEX)
    text: str = Field(default="#1A1A1A", pattern=_HEX)
    muted: str = Field(default="#5A5A5A", pattern=_HEX)
    background: str = Field(default="#FFFFFF", pattern=_HEX)


class Wording(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(default="Certificate of CPD Completion", min_length=1, max_length=120)
    intro: str = Field(default="This is to certify that", max_length=200)
    completed: str = Field(default="has successfully completed the CPD activity", max_length=200)
    # A certificate awarded for participation (an attendance-based live workshop) claims no assessment.
    participation_title: str = Field(default="Certificate of participation", min_length=1, max_length=120)
    participation_completed: str = Field(default="took part in the live CPD workshop", max_length=200)

    def for_basis(self, awarded_for: str | None) -> dict[str, str]:
        """Title, intro and connecting phrase for a certificate awarded for ``awarded_for``."""
        if awarded_for == "participation":
            return {"title": self.participation_title, "intro": self.intro, "completed": self.participation_completed}
        return {"title": self.title, "intro": self.intro, "completed": self.completed}


SIGNATURE_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


class DesignSignatory(BaseModel):
    """The named, qualified person who signs, copied into each record issued (the image is printed only).

    ``signature_image`` (PNG, JPEG or SVG, relative to the design file's folder) is printed above the
    signature line when the design has one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    qualifications: str | None = Field(default=None, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    signature_image: Path | None = None

    @field_validator("name", "qualifications", "role")
    @classmethod
    def _no_controls(cls, v: str | None) -> str | None:
        return None if v is None else reject_control_characters(v)

    @field_validator("signature_image")
    @classmethod
    def _image_type(cls, v: Path | None) -> Path | None:
        if v is not None and v.suffix.lower() not in SIGNATURE_IMAGE_TYPES:
            raise ValueError(f"a signature image is one of {', '.join(sorted(SIGNATURE_IMAGE_TYPES))}, got {v.name!r}")
        return v


class FontSpec(BaseModel):
    """A font family, optionally with the file that provides it.

    ``path`` is relative to the design file's folder; without it the family is
    looked up in the bundled font packages and the system CJK fonts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str = Field(min_length=1, max_length=120)
    path: Path | None = None


class Design(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1, max_length=200)
    # Postal address, e-mail or telephone of the provider, printed on the certificate and the privacy notice.
    provider_contact: str = Field(default="", max_length=400)
    accreditation_statement: str = Field(min_length=1, max_length=1000)
    # Stated on certificates of participation instead (None: the statement above): a statement that
    # speaks of an assessment or pass mark would be untrue for them.
    participation_accreditation_statement: str | None = Field(default=None, min_length=1, max_length=1000)
    signatory: DesignSignatory
    wording: Wording = Wording()
    colours: Colours = Colours()
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    fonts: list[FontSpec] = Field(min_length=1)
    # Folder the design came from; font paths are resolved against it.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("fonts")
    @classmethod
    def _unique_families(cls, v: list[FontSpec]) -> list[FontSpec]:
        seen = [f.family for f in v]
        if len(set(seen)) != len(seen):
            raise ValueError("a font family is listed twice")
        return v

    def accreditation_for(self, awarded_for: str) -> str:
        """The statement copied into a record awarded for ``awarded_for``."""
        if awarded_for == "participation" and self.participation_accreditation_statement:
            return self.participation_accreditation_statement
        return self.accreditation_statement

    def signature_file(self) -> Path | None:
        path = self.signatory.signature_image
        if path is None:
            return None
        return path if path.is_absolute() else (self.base_dir / path)

    def font_file(self, spec: FontSpec) -> Path | None:
        if spec.path is None:
            return None
        return spec.path if spec.path.is_absolute() else (self.base_dir / spec.path)


DEFAULT_DESIGN_FILE = "default.yaml"


def load_design(path: Path) -> Design:
    """Read and validate a design file; raise ``DesignError`` naming file and field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DesignError(f"{path}: cannot read the design file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise DesignError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise DesignError(f"{path}: expected a mapping of design fields at the top level")
    try:
        design = Design.model_validate({**raw, "base_dir": path.parent})
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(str(p) for p in err['loc']) or '(top level)'}': {err['msg']}"
            for err in exc.errors()
        )
        raise DesignError(f"{path}: {problems}") from None
    for spec in design.fonts:
        font_file = design.font_file(spec)
        if font_file is not None and not font_file.is_file():
            raise DesignError(f"{path}: field 'fonts' ({spec.family}): font file {font_file} does not exist")
    signature = design.signature_file()
    if signature is not None and not signature.is_file():
        raise DesignError(f"{path}: field 'signatory.signature_image': file {signature} does not exist")
    return design


def load_default_design(certificates_dir: Path) -> Design:
    """The design in ``certificates/default.yaml`` (``Settings.certificates_dir``)."""
    return load_design(Path(certificates_dir) / DEFAULT_DESIGN_FILE)
