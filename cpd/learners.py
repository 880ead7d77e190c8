"""Who is taking the module: validated on the way in, never trusted on the way out."""

from __future__ import annotations

import re

from pydantic import BaseModel, field_validator

from cpd.text import InvalidText, clean_text

PROFESSIONS = (
    "Physician",
    "Dermatologist",
    "Plastic surgeon",
    "Dentist",
    "Nurse / nurse prescriber",
    "Pharmacist",
    "Physician associate",
    "Aesthetic practitioner (non-medical)",
    "Other",
)
# Stored when a learning platform launches a learner without saying their profession (never printed).
PROFESSION_NOT_GIVEN = "Not given by the learning platform"
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_REG = re.compile(r"^[\w ./-]+$", re.UNICODE)


class LearnerInput(BaseModel):
    """A name may be in any script (accents, Greek, Cyrillic, CJK, Arabic)."""

    name: str
    email: str
    profession: str
    registration_number: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str:
        return clean_text(v, field="Name", max_len=120)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: object) -> str:
        text = clean_text(v, field="E-mail", max_len=254)
        if not _EMAIL.match(text):
            raise InvalidText("E-mail: this does not look like an e-mail address (name@example.org)")
        return text.lower()

    @field_validator("profession", mode="before")
    @classmethod
    def _profession(cls, v: object) -> str:
        return clean_text(v, field="Profession", max_len=120)

    @field_validator("registration_number", mode="before")
    @classmethod
    def _registration(cls, v: object) -> str | None:
        text = clean_text(v, field="Registration number", max_len=40, required=False)
        if text is not None and not _REG.match(text):
            raise InvalidText("Registration number: letters, digits, spaces, '.', '/' and '-' only")
        return text
