"""Content models: what authors write in ``modules/`` and ``questions/``.

Item types own their content model, response shape and scoring rule (``cpd/items/``);
delivery (immediate or deferred feedback, certainty-based marking, the grading
policy) belongs to the module and is carried out by ``cpd.behaviours``, as in
Moodle's split of question types from behaviours.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from cpd.content.fields import Slug, Strict, Text
from cpd.items import registry
from cpd.items.base import ItemBase


class EvidenceStrength(str, Enum):
    verified = "verified"  # seen in the source itself
    secondary = "secondary"  # reported second-hand
    unverified = "unverified"

    @property
    def label(self) -> str:
        return {
            "verified": "verified in the source",
            "secondary": "reported second-hand",
            "unverified": "unverified",
        }[self.value]


class Reference(Strict):
    id: Slug
    authors: Text
    year: int = Field(ge=1900, le=2100)
    title: Text
    journal: Text  # journal, or publisher / agency for official pages
    doi: str | None = None
    url: str | None = None
    strength: EvidenceStrength
    key_facts: list[Text] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _needs_locator(self) -> Reference:
        if not self.doi and not self.url:
            raise ValueError("a reference needs a doi or a url")
        return self

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else str(self.url)

    @property
    def citation(self) -> str:
        where = f"doi:{self.doi}" if self.doi else str(self.url)
        return f"{self.authors} ({self.year}). {self.title}. {self.journal}. {where}"


class Objective(Strict):
    id: Slug
    text: Text


# Item types live in cpd/items/ (one module each) and are listed in cpd.items.registry;
# the union below is built from that list, so adding a type never touches this file.
if TYPE_CHECKING:
    Item = ItemBase
else:
    Item = Annotated[Union[registry.models()], Field(discriminator="type")]  # noqa: UP007 - built at run time
ITEM_TYPES = tuple(registry.TYPES)


class Stage(Strict):
    id: Slug
    title: Text  # e.g. "Notice the cues"
    narrative: Text
    items: list[Item] = Field(min_length=1)


class Case(Strict):
    id: Slug
    title: Text
    summary: Text
    stages: list[Stage] = Field(min_length=1)

    def items(self) -> list[Item]:
        return [item for stage in self.stages for item in stage.items]


class Faculty(Strict):
    name: Text
    role: Text
    disclosures: Text  # "None" is a disclosure too; it must be stated


class Accreditation(Strict):
    provider: Text
    accreditation_statement: Text
    faculty: list[Faculty] = Field(min_length=1)
    mitigation_statement: Text  # how relevant financial relationships were mitigated
    commercial_support: Text = "None"


class Delivery(Strict):
    feedback: Literal["immediate", "deferred"] = "immediate"
    certainty_based_marking: bool = False  # the items with ``certainty: true`` ask how sure the learner is
    # What the pass mark is judged on: accuracy (certainty-based marks reported beside it),
    # or the certainty-adjusted grade.
    grading: Literal["accuracy", "certainty_adjusted"] = "accuracy"
    shuffle_options: bool = True

    @model_validator(mode="after")
    def _certainty_grading_needs_certainty(self) -> Delivery:
        if self.grading == "certainty_adjusted" and not self.certainty_based_marking:
            raise ValueError("grading: certainty_adjusted needs certainty_based_marking: true")
        return self


DEFAULT_RENEW_DAYS_BEFORE_EXPIRY = 60
SHORTEST_MONTH_DAYS = 28


class Module(Strict):
    id: Slug
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+(\.\d+)?$")]
    summary: Text
    audience: Text
    objectives: list[Objective] = Field(min_length=1)
    cpd_hours: float = Field(gt=0, le=100)
    estimated_minutes: int = Field(gt=0)
    # No certificate below this much recorded active time (stated on the start page); None: no minimum.
    minimum_recorded_minutes: int | None = Field(default=None, gt=0)
    pass_mark: float = Field(ge=0, le=100)  # percent of available points
    recertification_months: int = Field(gt=0, le=120)
    # Clinic onboarding: a passed assignment is renewed (a new cycle, a new personal link) this many days
    # before its certificate's last valid day, once per certificate. It must fall inside the certificate's
    # life, or every certificate would open its renewal the day it was issued.
    renew_days_before_expiry: int = Field(default=DEFAULT_RENEW_DAYS_BEFORE_EXPIRY, ge=1, le=365)
    release_date: date
    last_review_date: date
    termination_date: date
    # Where the content's regulatory statements hold, as plain place names ("United States", "European
    # Union"); the start page shows them beside the last review date. Leave it out only for a module that
    # states no regulatory status: an empty list shows nothing.
    jurisdictions: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(default_factory=list)
    accreditation: Accreditation
    delivery: Delivery = Delivery()
    pretest: list[Slug] = Field(default_factory=list)  # item ids asked before the cases, not counted
    references: list[Reference] = Field(min_length=1)
    cases: list[Slug] = Field(min_length=1)

    @field_validator("pass_mark")
    @classmethod
    def _one_decimal(cls, v: float) -> float:
        if round(v, 1) != v:
            raise ValueError(f"the pass mark takes at most one decimal place (scores are shown to 0.1 %), got {v}")
        return v

    @field_validator("jurisdictions")
    @classmethod
    def _plain_distinct_names(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        for name in v:
            if name != name.strip() or not name.strip() or any(ch in name for ch in "\n\r\t"):
                raise ValueError(f"a jurisdiction is a plain name on one line, without surrounding spaces: {name!r}")
            if name.casefold() in seen:
                raise ValueError(f"jurisdiction {name!r} is listed twice")
            seen.add(name.casefold())
        return v

    @field_validator("cpd_hours")
    @classmethod
    def _quarter_hours(cls, v: float) -> float:
        if abs(v * 4 - round(v * 4)) > 1e-9:
            raise ValueError(f"CPD hours must be in steps of 0.25, got {v}")
        return v

    @model_validator(mode="after")
    def _renewal_inside_the_certificates_life(self) -> Module:
        shortest = self.recertification_months * SHORTEST_MONTH_DAYS
        if self.renew_days_before_expiry >= shortest:
            raise ValueError(
                f"renew_days_before_expiry ({self.renew_days_before_expiry}) must be fewer days than a certificate "
                f"lasts (recertification_months: {self.recertification_months}, at least {shortest} days)")
        return self

    @model_validator(mode="after")
    def _dates_in_order(self) -> Module:
        if not (self.release_date <= self.last_review_date < self.termination_date):
            raise ValueError("dates must satisfy release_date <= last_review_date < termination_date")
        return self

