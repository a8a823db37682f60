"""Entities of closed sets (a keypad key, a language, a currency) found exactly, by their words.

Every entity this assistant knows has a short list of values, each said in a few ways: "four",
"katër", "katrën" are the key 4; "euro", "eurot" are EUR. The lexicon is learned from the
training data, nothing is written twice: the words annotated as an entity in the examples, and
the synonyms (data/nlu/shared.yml) whose value is one of that entity's annotated values. A
message is searched for these words (whole words, longest first, case and Albanian's ë/ç
ignored) and each one found is the entity with its canonical value.

`found_under` limits an entity to the intents the training data annotates it under, when the
message's intent is known: "një" is the key 1 after "shtyp", and the article "a" in "dua një
kartë të re".

Pure: no Rasa here (bot.nlu.entity_component is the pipeline component).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.nlu.folding import fold

MAX_TEXT = 1000  # characters searched; a message is judged by its beginning


def _key(text: str) -> str:
    return " ".join(fold(text).lower().split())


@dataclass(frozen=True)
class Annotation:
    intent: str
    entity: str
    text: str  # as written in the example
    value: str


@dataclass(frozen=True)
class Found:
    entity: str
    value: str
    start: int
    end: int
    text: str

    def as_dict(self, extractor: str) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start,
                "end": self.end, "text": self.text, "extractor": extractor}


@dataclass(frozen=True)
class EntityLexicon:
    forms: Mapping[str, Mapping[str, str]]  # entity -> {folded lowercase words: value}
    intents: Mapping[str, frozenset[str]]  # entity -> intents annotating it in the examples

    @classmethod
    def learn(cls, annotations: Iterable[Annotation],
              synonyms: Mapping[str, str]) -> EntityLexicon:
        forms: dict[str, dict[str, str]] = defaultdict(dict)
        intents: dict[str, set[str]] = defaultdict(set)
        for annotation in annotations:
            forms[annotation.entity][_key(annotation.text)] = annotation.value
            intents[annotation.entity].add(annotation.intent)
        for entity_forms in forms.values():
            values = set(entity_forms.values())
            entity_forms.update({_key(text): value for text, value in synonyms.items()
                                 if value in values})
        return cls({entity: dict(entity_forms) for entity, entity_forms in forms.items()},
                   {entity: frozenset(names) for entity, names in intents.items()})

    def find(self, text: str, intent: str | None = None,
             by_intent: Collection[str] | None = None) -> list[Found]:
        """The entities in `text`, left to right, none overlapping (the longer one wins);
        with `intent`, the entities named in `by_intent` (all when None) only where the
        examples annotate them under that intent."""
        folded = fold(text[:MAX_TEXT])
        candidates: list[Found] = []
        for entity, entity_forms in self.forms.items():
            if (intent is not None and (by_intent is None or entity in by_intent)
                    and intent not in self.intents.get(entity, ())):
                continue
            for match in _pattern(tuple(sorted(entity_forms, key=len, reverse=True))).finditer(
                    folded):
                words = _key(match.group(0))
                candidates.append(Found(entity, entity_forms[words], match.start(),
                                        match.end(), text[match.start():match.end()]))
        kept: list[Found] = []
        for found in sorted(candidates, key=lambda f: (f.start - f.end, f.start)):
            if all(found.end <= other.start or found.start >= other.end for other in kept):
                kept.append(found)
        return sorted(kept, key=lambda found: found.start)

    def to_json(self) -> dict[str, Any]:
        return {"forms": self.forms, "intents": {entity: sorted(names)
                                                 for entity, names in self.intents.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EntityLexicon:
        return cls(data["forms"], {entity: frozenset(names)
                                   for entity, names in data["intents"].items()})


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """Any of `forms` as whole words; spaces between words may be any run of whitespace."""
    if forms not in _PATTERNS:
        alternatives = "|".join(r"\s+".join(re.escape(word) for word in form.split())
                                for form in forms)
        _PATTERNS[forms] = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])",
                                      re.IGNORECASE)
    return _PATTERNS[forms]
