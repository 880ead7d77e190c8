"""What every item type is made of: the common content fields and the hooks a type must provide.

An item type (``cpd/items/<type>.py``) is one module that owns everything about
that kind of question, as Moodle's ``question/type/*/question.php`` and
PrairieLearn's elements do: its content model, the public view the browser may
see, when a response is complete, how it scores, which category a response falls
in (item analysis, live answer distributions), its feedback, its time estimate and
sample responses for automatic checks. The engine calls these hooks through the
registry (``cpd.items.registry``) and never asks which type it holds. When and how
feedback shows, and certainty-based marking, are behaviours (``cpd.behaviours``)
that apply to every type alike. Each type also says what it becomes in GIFT and in
QTI 3.0 and how it is read back (``gift_export``/``gift_import``,
``qti_export``/``qti_import``); the file formats themselves are ``cpd.interop``.
``option_sets`` exposes the options with their key to the item-writing
rules (``cpd.content.item_writing``), which never ask which type they read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, Field

from cpd.content.fields import Slug, Strict, Text
from cpd.interop.gift_model import GiftAnswer, GiftBody
from cpd.interop.qti_xml import Element, QtiParts
from cpd.text import quoted

__all__ = ["quoted"]  # re-exported: the item types quote what a learner sent through the base they share

Response = Mapping[str, Any]


class InvalidResponse(ValueError):
    """The response does not fit the item (unknown option, wrong shape); the message is for the learner."""


class Option(Strict):
    """A choice with its rationale; shared by the types that offer options."""

    id: Slug
    text: Text
    correct: bool = False
    rationale: Text
    evidence: list[Slug] = Field(default_factory=list)


class ItemBase(Strict):
    """Fields every item has, whatever its type."""

    type: str  # each type narrows this to its own tag, e.g. Literal["single_best"]
    id: Slug
    objective: Slug
    stem: Text
    evidence: list[Slug] = Field(min_length=1)
    feedback: str | None = None  # shown after the item, beside option rationales
    # Ask how sure the learner is; applies only where the module marks by certainty (any type may ask).
    certainty: bool = False

    def answer_evidence(self) -> list[str]:
        """Evidence the correct answer rests on (item-level plus the correct parts')."""
        return list(self.evidence)

    def id_lists(self) -> Iterator[tuple[str, Sequence[Any]]]:
        """Every list of identified parts (options, rows, columns...), by field name: ids must be unique in each."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, list) and value and all(isinstance(v, BaseModel) and hasattr(v, "id") for v in value):
                yield name, value

    def evidence_sites(self) -> Iterator[tuple[tuple[str | int, ...], list[str]]]:
        """Every place the item cites evidence, with its location inside the item."""
        yield ("evidence",), self.evidence
        for name, parts in self.id_lists():
            for i, part in enumerate(parts):
                cited = getattr(part, "evidence", None)
                if cited:
                    yield (name, i, "evidence"), cited


@dataclass(frozen=True)
class ItemScore:
    points: float  # accuracy points: what the pass mark is judged on (unless the module passes on certainty)
    max_points: float
    correct: bool  # fully right
    cbm_marks: float | None = None  # certainty-based mark, when certainty was asked
    parts: Mapping[str, bool] = field(default_factory=dict)  # option/row id -> chosen/answered rightly

    @property
    def fraction(self) -> float:
        """The raw fraction of the item's points, 0..1: what certainty-based marking scales."""
        return self.points / self.max_points if self.max_points else 0.0


@dataclass(frozen=True)
class Choice:
    """Text and id only: what the browser may see of an option, row or column."""

    id: str
    text: str


@dataclass(frozen=True)
class OptionsView:
    """Public view of the types that show a list of options."""

    choices: tuple[Choice, ...]


# Puts an item's choices in this attempt's order: (choices, salt) -> ordered choices.
Order = Callable[[list[Choice], str], tuple[Choice, ...]]


def as_shown(choices: list[Choice], salt: str) -> tuple[Choice, ...]:
    """The authors' order (no shuffle)."""
    return tuple(choices)


@dataclass(frozen=True)
class PartFeedback:
    text: str
    chosen: str | None  # what the learner chose, where the part is answered by a choice of its own (matrix row)
    right: str | None  # the right answer, where it differs from the part text itself
    is_correct: bool  # this part was the right choice (options) or answered rightly (rows)
    was_chosen: bool
    rationale: str


@dataclass(frozen=True)
class Classified:
    """Which category a response falls in, per sub-question (Moodle's classify_response)."""

    part: str  # "" for a one-part item; else the option, row or part the category belongs to
    category: str  # the option or column id chosen
    fraction: float  # how right this category is, 0..1


@dataclass(frozen=True)
class Reading:
    """What a careful learner reads and decides for one item (beyond its stem and general feedback)."""

    words_before: int
    words_feedback: int
    decisions: int


@dataclass(frozen=True)
class Samples:
    """Responses for automatic checks, as PrairieLearn's element ``test()``: each type says what they look like."""

    correct: Response
    partial: Response | None  # partly right (scores between nothing and full marks); None where no such thing exists
    wrong: Response
    invalid: Response  # refused with a message, never scored


@dataclass(frozen=True)
class WrittenOption:
    """One option as the learner reads it, for the item-writing rules (``cpd.content.item_writing``)."""

    id: str
    text: str
    keyed: bool | None  # the right answer, a distractor, or neither (a matrix column is right for some rows)
    where: tuple[str | int, ...]  # the text's place inside the item, e.g. ("options", 2, "text"): errors point there


@dataclass(frozen=True)
class OptionSet:
    """Options offered together for one decision, as a test-wise reader scans them for cues."""

    name: str  # the field the options live in, e.g. "options", "actions"
    options: tuple[WrittenOption, ...]
    # Exactly one keyed option among k: counts for "the key is the longest" against a chance of 1/k.
    one_best: bool
    # The longest option may be at most 1.5 x the mean of the others (not for labels every row shares).
    lengths_compared: bool = True


def option_set(name: str, options: Sequence[Option], *, one_best: bool) -> OptionSet:
    """The option set of a list of ``Option``: keyed where ``correct``."""
    return OptionSet(name, tuple(WrittenOption(o.id, o.text, o.correct, (name, i, "text")) for i, o in enumerate(options)),
                     one_best)


def words(*texts: str | None) -> int:
    return sum(len(t.split()) for t in texts if t)


def pick(choice: Any, ids: Sequence[str], what: str) -> str:
    """One id out of ``ids``, or the plain-words refusal."""
    if not isinstance(choice, str) or choice not in ids:
        raise InvalidResponse(f"choose one {what}")
    return choice


def gift_options(options: Sequence[Option], fractions: Sequence[float]) -> tuple[tuple[GiftAnswer, ...], dict[str, Any]]:
    """Options as GIFT answers (rationale as the answer's feedback); ids and evidence for the ``@cpd`` comment."""
    answers = tuple(GiftAnswer(o.text, f, o.rationale) for o, f in zip(options, fractions, strict=True))
    return answers, {"options": [{"id": o.id, **({"evidence": o.evidence} if o.evidence else {})} for o in options]}


def options_from_gift(body: GiftBody, key: str = "options") -> list[dict[str, Any]]:
    """Options back from GIFT answers: right where the answer earns marks; ids and evidence from our comment,
    else a, b, c... A foreign answer without feedback has no rationale: the draft says so when validated."""
    known = list(body.extra.get(key) or [])
    out: list[dict[str, Any]] = []
    for i, answer in enumerate(body.answers):
        meta = known[i] if i < len(known) else {"id": chr(ord("a") + i) if i < 26 else f"o{i + 1}"}
        option: dict[str, Any] = {"id": meta["id"], "text": answer.text}
        if answer.fraction > 0:
            option["correct"] = True
        if answer.feedback:
            option["rationale"] = answer.feedback
        if meta.get("evidence"):
            option["evidence"] = list(meta["evidence"])
        out.append(option)
    return out


M = TypeVar("M", bound=ItemBase)


class ItemType(ABC, Generic[M]):
    """The hooks of one item type. One instance per type, registered in ``cpd.items.registry``."""

    name: ClassVar[str]  # the ``type:`` tag authors write
    label: ClassVar[str]  # plain words, for people
    # The keys a response of this type holds (``{"option": "b"}``): what is stored of an answer, nothing else.
    response_keys: ClassVar[tuple[str, ...]]
    model: type[M]

    @abstractmethod
    def public_view(self, item: M, order: Order) -> Any:
        """What the browser may see before an answer: ids and texts, no key, no rationale (a frozen dataclass)."""

    @abstractmethod
    def incomplete(self, item: M, response: Response) -> str | None:
        """The plain-words reason a response is not ready to be scored (nothing chosen, a row left out), or None."""

    @abstractmethod
    def score(self, item: M, response: Response) -> ItemScore:
        """Accuracy points for a response; raises InvalidResponse when it does not fit the item."""

    @abstractmethod
    def max_points(self, item: M) -> float:
        """Accuracy points available, without a response."""

    @abstractmethod
    def classify(self, item: M, response: Response) -> tuple[Classified, ...]:
        """The category (option, column) the response falls in, per part."""

    @abstractmethod
    def feedback_parts(self, item: M, response: Response) -> tuple[tuple[PartFeedback, ...], list[str]]:
        """Feedback lines for a stored response, and the evidence ids they cite (beside the item's own)."""

    @abstractmethod
    def reading(self, item: M) -> Reading:
        """Words read before answering and in the feedback, and decisions made (stem and general feedback aside)."""

    @abstractmethod
    def sample_responses(self, item: M) -> Samples:
        """A correct, a partly right (where possible), a wrong and an invalid response."""

    @abstractmethod
    def option_sets(self, item: M) -> tuple[OptionSet, ...]:
        """The option sets a learner chooses among, with which option is keyed: what the item-writing rules read."""

    def lead_ins(self, item: M) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        """The texts that ask the question, with their place in the item: a negative in them must be in capitals."""
        return ((("stem",), item.stem),)

    # --- interchange formats (cpd.interop) --------------------------------------------------------

    @abstractmethod
    def gift_export(self, item: M) -> GiftBody:
        """The nearest GIFT answer set; what GIFT cannot hold goes in ``extra``, and ``lossy`` says what was bent."""

    @abstractmethod
    def gift_import(self, body: GiftBody) -> dict[str, Any] | None:
        """This type's own fields from a GIFT answer set (ours, with ``extra``; or a foreign one), or None
        when this type cannot read it. Fields the GIFT lacks are left out, for the validator to name."""

    @abstractmethod
    def qti_export(self, item: M) -> QtiParts:
        """The nearest QTI 3.0 interaction(s), response declarations and the response rules that score as we do."""

    @abstractmethod
    def qti_import(self, body: Element, declarations: Sequence[Element]) -> dict[str, Any] | None:
        """This type's own fields from a QTI item body and its response declarations, or None if it is not ours."""

    @abstractmethod
    def qti_response(self, item: M, response: Response) -> dict[str, Any]:
        """A response of ours as the QTI response variables ``qti_export`` declares (for checking its rules)."""

    def check(self, item: M, response: Response) -> None:
        """Refuse (InvalidResponse) a response that is incomplete or does not fit, with the reason."""
        reason = self.incomplete(item, response)
        if reason is not None:
            raise InvalidResponse(reason)
        self.score(item, response)
