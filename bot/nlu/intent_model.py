"""Intents and FAQ answers from a linear model over word and character n-grams, learned in
seconds.

One model ranks every label at once: the intents, and the answer keys of a retrieval intent
(`faq/logout`) as labels of their own, so that an FAQ question competes with the phone line's
intents directly. Features: TF-IDF of the words and word pairs, and of the character n-grams (1
to 5) of each word, both sublinear, over the text lowercased with Albanian's ë and ç folded
(bot.nlu.folding). Classifier: logistic regression learned by stochastic gradient
descent (scikit-learn's SGDClassifier), classes weighted by their size. Its probabilities are
what the FallbackClassifier's threshold judges. The choice of model, features and threshold was
made by cross-validation on the training data (bench/nlu_model_bench.py, bench/RESULTS.md).

`knows_a_word` is the other half of "not understood": a message none of whose words the
training data ever used (a recogniser's output in another language, "xqzv") is not guessed at,
however confident the model would be.

Pure: no Rasa here (bot.nlu.linear_classifier is the pipeline component).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion

from bot.nlu.folding import fold
from bot.nlu.language_id import labelled_examples

WORD = re.compile(r"[^\W_]+")
WORD_TOKEN = r"\S+"  # noqa: S105 (a pattern): normalized text has single spaces between words
MAX_TEXT = 1000  # characters looked at; a message is judged by its beginning
# what skops may build when it loads a model besides scikit-learn's own estimators
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]


@dataclass(frozen=True)
class ModelConfig:
    alpha: float = 5e-5  # L2 regularisation of the SGD classifier
    balanced: bool = False  # weigh each class inversely to its number of examples
    max_word_ngram: int = 1
    char_ngrams: tuple[int, int] = (1, 4)
    epochs: int = 50
    random_seed: int = 7

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ModelConfig:
        """From a component's configuration (config.yml), unknown keys ignored."""
        defaults = cls()
        return cls(**{item.name: type(getattr(defaults, item.name))(values[item.name])
                      for item in fields(cls) if item.name in values})


def normalize(text: str) -> str:
    """Lowercased, ë/ç folded, punctuation as spaces: what the features and the vocabulary see."""
    return " ".join(WORD.findall(fold(text[:MAX_TEXT]).lower()))


def project_examples(root: Path) -> tuple[list[str], list[str]]:
    """The intent examples of a project's data/ as Rasa trains on them: (texts, labels), an FAQ
    question labelled with its answer key (`faq/<key>`)."""
    files = sorted((root / "data" / "nlu").rglob("*.yml")) + sorted(
        (root / "data" / "faq").glob("*.yml"))
    pairs = [pair for path in files for pair in labelled_examples(path)]
    return [text for text, _ in pairs], [label for _, label in pairs]


@dataclass
class IntentModel:
    features: FeatureUnion
    classifier: SGDClassifier
    vocabulary: frozenset[str]

    @classmethod
    def learn(cls, texts: Sequence[str], labels: Sequence[str],
              config: ModelConfig = ModelConfig()) -> IntentModel:
        """The model of these examples, the same whatever their order (Rasa's order of the
        training examples varies from one process to the next; SGD's result depends on it)."""
        pairs = sorted(zip((normalize(text) for text in texts), labels, strict=True))
        normalized = [text for text, _ in pairs]
        labels = [label for _, label in pairs]
        features = FeatureUnion([
            ("words", TfidfVectorizer(analyzer="word", token_pattern=WORD_TOKEN,
                                      sublinear_tf=True, ngram_range=(1, config.max_word_ngram))),
            ("chars", TfidfVectorizer(analyzer="char_wb", sublinear_tf=True,
                                      ngram_range=config.char_ngrams)),
        ])
        classifier = SGDClassifier(loss="log_loss", alpha=config.alpha,
                                   class_weight="balanced" if config.balanced else None,
                                   max_iter=config.epochs, random_state=config.random_seed)
        classifier.fit(features.fit_transform(normalized), labels)
        vocabulary = frozenset(word for text in normalized for word in text.split())
        return cls(features, classifier, vocabulary)

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.classifier.classes_]

    def knows_a_word(self, text: str) -> bool:
        """Whether at least one word of `text` occurs in the training examples."""
        return any(word in self.vocabulary for word in normalize(text).split())

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """One row per text: the probability of each label, in the order of `labels`."""
        return self.classifier.predict_proba(
            self.features.transform([normalize(text) for text in texts]))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every label with its probability, most likely first."""
        row = self.probabilities([text])[0]
        pairs = zip(self.labels, (float(p) for p in row), strict=True)
        return sorted(pairs, key=lambda pair: -pair[1])

    def dump(self, path: Path) -> None:
        import skops.io

        skops.io.dump({"features": self.features, "classifier": self.classifier,
                       "vocabulary": sorted(self.vocabulary)}, path)

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        import skops.io

        unexpected = set(skops.io.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
        if unexpected:
            raise ValueError(f"{path}: unexpected types in the model file: {sorted(unexpected)}")
        saved: dict[str, Any] = skops.io.load(path, trusted=TRUSTED_TYPES)
        return cls(saved["features"], saved["classifier"], frozenset(saved["vocabulary"]))
