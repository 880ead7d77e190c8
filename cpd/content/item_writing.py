"""Item-writing rules (NBME style): no cue a test-wise reader could use without knowing the subject.

A reader who knows nothing about exosomes still scores above chance when the key is
usually the longest option, when distractors carry absolute words ("always", "never")
that careful writing avoids, when "none of the above" or "nothing" is offered, or when
a negative in the question is easy to miss. The rules here are pure functions over the
option sets each item type exposes (``ItemType.option_sets``, ``ItemType.lead_ins``);
they never ask which type they read. ``review`` applies them to one module and returns
its summary and its findings; the loader turns findings into file:line: field errors.

Lengths are counted in words (whitespace-separated), as a reader sees them. Ties count:
a key as long as the longest distractor is "the longest", the stricter reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from cpd.items.base import OptionSet, WrittenOption

Where = tuple[str | int, ...]
S = TypeVar("S")  # where an item lives (the loader passes its file and place); the rules only carry it

# Key longest in at most chance + this many sets.
CHANCE_MARGIN = 2.0
# The longest option at most this many times the mean length of the others.
LENGTH_RATIO_LIMIT = 1.5
# Words that make a statement absolute; careful writing rarely needs them, so they mark distractors.
ABSOLUTE_WORDS = frozenset({
    "absolutely", "all", "always", "can't", "cannot", "certainly", "completely", "definitely", "entirely",
    "every", "everyone", "everything", "everywhere", "guarantee", "guaranteed", "guarantees", "impossible",
    "invariably", "never", "none", "nothing", "only", "proven", "proves", "solely", "totally",
})
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_CATCH_ALL = re.compile(r"\b(?:all|none|neither|both) of the (?:above|others|options)\b", re.IGNORECASE)
_NOTHING = re.compile(r"^\W*(?:nothing|none|no action|do nothing)\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"\b(?:not|except|(?<!\bat\s)least|never|cannot|[A-Za-z]+n['’]t)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def word_count(text: str) -> int:
    return len(text.split())


def absolute_words(text: str) -> list[str]:
    """The absolute words in a text, lower-cased, in order."""
    found = (w.lower().replace("’", "'") for w in _WORD.findall(text))
    return [w for w in found if w in ABSOLUTE_WORDS]


def catch_all(text: str) -> str | None:
    """Why an option is a catch-all ("all/none of the above", "nothing ..."), or None."""
    if m := _CATCH_ALL.search(text):
        return f"catch-all option {m.group(0).lower()!r}"
    if m := _NOTHING.match(text):
        return f"catch-all option {m.group(0).strip(' ,;:-').lower()!r} (it works as 'none of the above')"
    return None


def lead_in_sentences(text: str) -> list[str]:
    """The sentences that ask: every one ending in '?', and the last (the scenario before them is not the question)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    asks = [s for s in sentences if s.rstrip().endswith("?")]
    if sentences and sentences[-1] not in asks:
        asks.append(sentences[-1])
    return asks


def lower_case_negatives(text: str) -> list[str]:
    """Negatives in a question's lead-in not written in capitals (NOT, EXCEPT): easy to read past."""
    return [m.group(0) for s in lead_in_sentences(text) for m in _NEGATIVE.finditer(s) if m.group(0) != m.group(0).upper()]


@dataclass(frozen=True)
class Length:
    longest: WrittenOption
    words: int
    mean_others: float

    @property
    def ratio(self) -> float:
        return self.words / self.mean_others if self.mean_others else float("inf")


def length_ratio(option_set: OptionSet) -> Length:
    """The longest option (the first, on a tie) against the mean length of the others."""
    lengths = [word_count(o.text) for o in option_set.options]
    i = max(range(len(lengths)), key=lambda j: lengths[j])
    others = lengths[:i] + lengths[i + 1:]
    return Length(option_set.options[i], lengths[i], sum(others) / len(others) if others else 0.0)


def key_is_longest(option_set: OptionSet) -> bool:
    """The keyed option has at least as many words as every other option."""
    lengths = [word_count(o.text) for o in option_set.options]
    return any(o.keyed and n == max(lengths) for o, n in zip(option_set.options, lengths, strict=True))


def chance_of_longest(sets: Sequence[OptionSet]) -> float:
    """How many sets would have the key longest by chance: the sum of 1/k over one-best sets of k options."""
    return sum(1 / len(s.options) for s in sets if s.one_best)


@dataclass(frozen=True)
class Item(Generic[S]):
    """One item as the rules see it: where it lives, the texts that ask, and its option sets."""

    site: S
    lead_ins: tuple[tuple[Where, str], ...]
    option_sets: tuple[OptionSet, ...]


@dataclass(frozen=True)
class Finding(Generic[S]):
    site: S
    where: Where  # inside the item
    message: str


@dataclass(frozen=True)
class Summary:
    """What ``python -m cpd validate`` prints per module."""

    one_best_sets: int
    key_longest: int
    chance: float
    worst_ratio: float
    distractors: int
    distractors_absolute: int
    keys: int
    keys_absolute: int
    catch_alls: int
    lower_case_negatives: int

    @property
    def key_longest_limit(self) -> float:
        return self.chance + CHANCE_MARGIN

    @property
    def absolute_ok(self) -> bool:
        """Absolute words are no more frequent in distractors than in keys (as shares; none at all passes)."""
        if not self.distractors_absolute:
            return True
        return bool(self.keys) and self.distractors_absolute * self.keys <= self.keys_absolute * self.distractors

    def lines(self) -> list[str]:
        def verdict(ok: bool) -> str:
            return "ok" if ok else "FAILS"

        return [
            f"key is the longest option in {self.key_longest} of {self.one_best_sets} single-answer sets "
            f"(chance {self.chance:.1f}, limit {self.key_longest_limit:.1f}): "
            f"{verdict(self.key_longest <= self.key_longest_limit)}",
            f"longest option at most {self.worst_ratio:.2f} x the mean of the others (limit {LENGTH_RATIO_LIMIT:g}): "
            f"{verdict(self.worst_ratio <= LENGTH_RATIO_LIMIT)}",
            f"absolute words in {self.distractors_absolute} of {self.distractors} distractors and "
            f"{self.keys_absolute} of {self.keys} keys: {verdict(self.absolute_ok)}",
            f"'of the above' or 'nothing' options: {self.catch_alls}; negatives in lower case: "
            f"{self.lower_case_negatives}: {verdict(not self.catch_alls and not self.lower_case_negatives)}",
        ]


def review(module_id: str, items: Sequence[Item[S]]) -> tuple[Summary, list[Finding[S]]]:
    """Apply every rule to one module's items: its summary, and a finding for each text to change."""
    findings: list[Finding[S]] = []
    sets = [(item, s) for item in items for s in item.option_sets]

    # Per item: the texts that ask, option lengths, catch-all options.
    negatives = catch_alls = 0
    for item in items:
        for where, text in item.lead_ins:
            for word in lower_case_negatives(text):
                negatives += 1
                findings.append(Finding(item.site, where, f"negative {word!r} in the question in lower case: write NOT or "
                                        "EXCEPT in capitals so no reader misses it, or ask the question positively"))
    worst = 0.0
    for item, s in sets:
        for o in s.options:
            if why := catch_all(o.text):
                catch_alls += 1
                findings.append(Finding(item.site, o.where, f"{why}: offer a specific, plausible alternative instead"))
        if s.lengths_compared and len(s.options) > 1:
            length = length_ratio(s)
            worst = max(worst, length.ratio)
            if length.ratio > LENGTH_RATIO_LIMIT:
                findings.append(Finding(item.site, length.longest.where,
                                        f"the longest option has {length.words} words, {length.ratio:.2f} x the mean of "
                                        f"the others ({length.mean_others:.1f}); at most {LENGTH_RATIO_LIMIT:g} x, "
                                        "so length does not draw the eye"))

    # Over the module: the key longest more often than chance allows.
    one_best = [(item, s) for item, s in sets if s.one_best]
    chance = chance_of_longest([s for _, s in one_best])
    longest = [(item, s) for item, s in one_best if key_is_longest(s)]
    if len(longest) > chance + CHANCE_MARGIN:
        for item, s in longest:
            key = next(o for o in s.options if o.keyed)
            others = ", ".join(str(word_count(o.text)) for o in s.options if o is not key)
            findings.append(Finding(item.site, key.where,
                                    f"the keyed option is the longest ({word_count(key.text)} words; the others {others}): "
                                    f"in module {module_id!r} the key is the longest in {len(longest)} of {len(one_best)} "
                                    f"single-answer sets, more than chance ({chance:.2f}) + {CHANCE_MARGIN:g}; "
                                    "shorten keys or lengthen distractors"))

    # Over the module: absolute words in distractors more often than in keys.
    keyed = [(item, o) for item, s in sets for o in s.options if o.keyed is not None]
    distractors = [(item, o) for item, o in keyed if not o.keyed]
    keys = [(item, o) for item, o in keyed if o.keyed]
    d_abs = [(item, o, absolute_words(o.text)) for item, o in distractors if absolute_words(o.text)]
    k_abs = sum(1 for _, o in keys if absolute_words(o.text))
    summary = Summary(len(one_best), len(longest), chance, worst, len(distractors), len(d_abs), len(keys), k_abs,
                      catch_alls, negatives)
    if not summary.absolute_ok:
        for item, o, found in d_abs:
            findings.append(Finding(item.site, o.where,
                                    f"absolute word {found[0]!r} in a distractor: in module {module_id!r} "
                                    f"{len(d_abs)} of {len(distractors)} distractors carry one against {k_abs} of "
                                    f"{len(keys)} keys, so a test-wise reader rules them out; qualify or reword"))
    return summary, findings
