"""Content models: what authors write in ``modules/`` and ``questions/``.

Item types own their response shape and scoring rule (see ``cpd.scoring``);
delivery (immediate or deferred feedback, certainty-based marking) belongs to
the module, as in Moodle's split of question types from behaviours.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    """Unknown keys are typos in content; reject them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Option(Strict):
    id: Slug
    text: Text
    correct: bool = False
    rationale: Text
    evidence: list[Slug] = Field(default_factory=list)


class ItemBase(Strict):
    id: Slug
    objective: Slug
    stem: Text
    evidence: list[Slug] = Field(min_length=1)
    feedback: str | None = None  # shown after the item, beside option rationales

    def answer_evidence(self) -> list[str]:
        """Evidence the correct answer rests on (item-level plus the correct parts')."""
        return list(self.evidence)


class SingleBestItem(ItemBase):
    type: Literal["single_best"]
    options: list[Option] = Field(min_length=2)
    certainty: bool = False  # certainty-based marking, active when the module allows it

    @model_validator(mode="after")
    def _one_correct(self) -> SingleBestItem:
        n = sum(o.correct for o in self.options)
        if n == 0:
            raise ValueError("no correct answer: mark exactly one option correct: true")
        if n > 1:
            raise ValueError(f"a single best answer item has {n} correct options; mark exactly one")
        return self

    @property
    def correct_option(self) -> Option:
        return next(o for o in self.options if o.correct)

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *self.correct_option.evidence]


class SelectAllItem(ItemBase):
    type: Literal["select_all"]
    options: list[Option] = Field(min_length=3)

    @model_validator(mode="after")
    def _some_correct(self) -> SelectAllItem:
        if not any(o.correct for o in self.options):
            raise ValueError("no correct answer: mark at least one option correct: true")
        return self

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *(e for o in self.options if o.correct for e in o.evidence)]


class MatrixColumn(Strict):
    id: Slug
    text: Text


class MatrixRow(Strict):
    id: Slug
    text: Text
    answer: Slug  # the id of the right column
    rationale: Text
    evidence: list[Slug] = Field(default_factory=list)


class MatrixItem(ItemBase):
    type: Literal["matrix"]
    columns: list[MatrixColumn] = Field(min_length=2)
    rows: list[MatrixRow] = Field(min_length=2)

    @model_validator(mode="after")
    def _answers_are_columns(self) -> MatrixItem:
        ids = {c.id for c in self.columns}
        for i, row in enumerate(self.rows):
            if row.answer not in ids:
                raise ValueError(f"rows[{i}].answer {row.answer!r} is not one of the columns {sorted(ids)}")
        return self

    def answer_evidence(self) -> list[str]:
        return [*self.evidence, *(e for r in self.rows for e in r.evidence)]


class RationalePairItem(ItemBase):
    """"Do X because Y": a point only when both the action and the reason are right."""

    type: Literal["rationale_pair"]
    action_prompt: Text = "What do you do?"
    reason_prompt: Text = "Why?"
    actions: list[Option] = Field(min_length=2)
    reasons: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_correct_each(self) -> RationalePairItem:
        for part in ("actions", "reasons"):
            n = sum(o.correct for o in getattr(self, part))
            if n != 1:
                what = "no correct answer" if n == 0 else f"{n} correct options"
                raise ValueError(f"{part}: {what}; mark exactly one option correct: true")
        return self

    def answer_evidence(self) -> list[str]:
        return [
            *self.evidence,
            *(e for part in (self.actions, self.reasons) for o in part if o.correct for e in o.evidence),
        ]


Item = Annotated[
    SingleBestItem | SelectAllItem | MatrixItem | RationalePairItem,
    Field(discriminator="type"),
]
ITEM_TYPES = ("single_best", "select_all", "matrix", "rationale_pair")


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
    certainty_based_marking: bool = False
    shuffle_options: bool = True


class Module(Strict):
    id: Slug
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+(\.\d+)?$")]
    summary: Text
    audience: Text
    objectives: list[Objective] = Field(min_length=1)
    cpd_hours: float = Field(gt=0, le=100)
    estimated_minutes: int = Field(gt=0)
    pass_mark: float = Field(ge=0, le=100)  # percent of available points
    recertification_months: int = Field(gt=0, le=120)
    release_date: date
    last_review_date: date
    termination_date: date
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

    @field_validator("cpd_hours")
    @classmethod
    def _quarter_hours(cls, v: float) -> float:
        if abs(v * 4 - round(v * 4)) > 1e-9:
            raise ValueError(f"CPD hours must be in steps of 0.25, got {v}")
        return v

    @model_validator(mode="after")
    def _dates_in_order(self) -> Module:
        if not (self.release_date <= self.last_review_date < self.termination_date):
            raise ValueError("dates must satisfy release_date <= last_review_date < termination_date")
        return self

