"""Which language a message is written or spoken in: Albanian or English, from its text alone.

A naive Bayes classifier over character n-grams of the words (1 to 4 characters, word edges
marked), learned from the project's own NLU examples per language. Albanian typed without
diacritics is still Albanian to it ("dua te di gjendjen"): the n-grams of Albanian words, not
only "ë" and "ç", carry the evidence. Keys, digit strings and empty text have no language
(`identify` returns None); a message that could be either ("ok") comes back with a low
confidence, and `language_of` leaves it undecided, so that the conversation keeps its language.

The NLU pipeline (bot.nlu.language_component) adds the guess to every parse result under
`PARSE_KEY`; `language_of(parse_data)` is how the actions read it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.i18n.lang import LANGUAGES, Lang, check_lang

PARSE_KEY = "language"  # in a parse result: {"code": "en", "confidence": 0.99}
MIN_CONFIDENCE = 0.8  # below this `language_of` says "undecided"
MAX_TEXT = 1000  # characters looked at; a message is judged by its beginning
_WORD = re.compile(r"[^\W\d_]+")
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class LanguageGuess:
    code: Lang
    confidence: float  # posterior probability of `code`, 0.5 to 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "confidence": round(self.confidence, 4)}


def _ngrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in _WORD.findall(text[:MAX_TEXT].lower()):
        padded = f" {word} "
        for size in range(1, 5):
            grams.extend(padded[i:i + size] for i in range(len(padded) - size + 1)
                         if padded[i:i + size].strip())
    return grams


@dataclass(frozen=True)
class LanguageModel:
    """Log-probabilities of character n-grams per language (add-one smoothed)."""

    log_prob: Mapping[str, Mapping[str, float]]
    unseen: Mapping[str, float]

    @classmethod
    def learn(cls, texts: Mapping[str, Iterable[str]]) -> LanguageModel:
        counts = {lang: Counter(g for text in lang_texts for g in _ngrams(text))
                  for lang, lang_texts in texts.items()}
        vocabulary = set().union(*counts.values())
        log_prob: dict[str, dict[str, float]] = {}
        unseen: dict[str, float] = {}
        for lang, lang_counts in counts.items():
            total = sum(lang_counts.values()) + len(vocabulary) + 1
            log_prob[lang] = {g: math.log((n + 1) / total) for g, n in lang_counts.items()}
            unseen[lang] = math.log(1 / total)
        return cls(log_prob, unseen)

    def identify(self, text: str) -> LanguageGuess | None:
        """The more likely language and its probability; None when the text has no words."""
        grams = _ngrams(text)
        if not grams:
            return None
        scores = {lang: sum(probs.get(g, self.unseen[lang]) for g in grams)
                  for lang, probs in self.log_prob.items()}
        best = max(scores, key=lambda lang: scores[lang])
        total = sum(math.exp(score - scores[best]) for score in scores.values())
        return LanguageGuess(check_lang(best), 1.0 / total)

    def to_json(self) -> dict[str, Any]:
        return {"log_prob": self.log_prob, "unseen": self.unseen}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LanguageModel:
        return cls(data["log_prob"], data["unseen"])


def labelled_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) for the intent examples of a Rasa NLU file, entity annotations removed."""
    blocks = yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []
    pairs = []
    for block in (block for block in blocks if "intent" in block):
        for line in str(block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                pairs.append((_ANNOTATION.sub(r"\1", line.strip()[2:]).strip(), block["intent"]))
    return pairs


def example_texts(path: Path) -> list[str]:
    return [text for text, _ in labelled_examples(path)]


def training_files(root: Path) -> dict[str, list[Path]]:
    """Per language, the NLU files the classifier learns from: every `<lang>.yml` under
    data/nlu (with its subfolders: natural speech, out of scope) and data/faq."""
    return {lang: sorted((root / "data" / "nlu").rglob(f"{lang}.yml"))
            + [root / "data" / "faq" / f"{lang}.yml"] for lang in LANGUAGES}


def learn_from_files(files: Mapping[str, Iterable[Path]]) -> LanguageModel:
    return LanguageModel.learn({lang: [text for path in paths for text in example_texts(path)]
                                for lang, paths in files.items()})


def language_of(parse_data: Mapping[str, Any] | None) -> Lang | None:
    """The language the NLU found in a message, or None when it could not tell with confidence
    (keys, digits, "ok"): then the conversation's language stays as it is."""
    found = (parse_data or {}).get(PARSE_KEY)
    if not isinstance(found, Mapping) or found.get("code") not in LANGUAGES:
        return None
    if float(found.get("confidence") or 0.0) < MIN_CONFIDENCE:
        return None
    return check_lang(str(found["code"]))
