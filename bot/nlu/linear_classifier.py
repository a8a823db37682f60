"""Rasa pipeline component: the intent, and for an FAQ question its answer, from one linear model
(bot.nlu.intent_model) that trains in seconds. It stands where DIETClassifier and
ResponseSelector stood, with their output format:

- `intent` and `intent_ranking`: each intent with the probability of its most likely label (for
  a retrieval intent such as `faq`, of its most likely answer key), so the FallbackClassifier's
  threshold judges the answer that would be given;
- `response_selector`: for each retrieval intent, the answer key chosen among its own keys, in
  ResponseSelector's format (`response.intent_response_key`, `response.utter_action`,
  `ranking`), which Rasa's `utter_faq` action reads; domain.yml and the rules are unchanged.

A message with no word the training data ever used is not guessed at: its intent is
`nlu_fallback` (confidence 1.0), the model's ranking after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME, UTTER_PREFIX
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_model import IntentModel, ModelConfig
from bot.nlu.stored_component import StoredComponent, read_json, write_json

_FILE = "intent_model.skops"
_RESPONSES = "responses.json"  # the FAQ answers, as ResponseSelector gives them
RANKING_LENGTH = 10


@dataclass(frozen=True)
class Intents:
    model: IntentModel
    responses: dict[str, list[dict[str, Any]]]  # per FAQ answer key's utter action


def _intent_of(label: str) -> str:
    """`faq/logout` -> `faq`; an intent is its own intent."""
    return label.split("/", 1)[0]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LinearIntentClassifier(StoredComponent[Intents], IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return asdict(ModelConfig())

    def _model_config(self) -> ModelConfig:
        return ModelConfig.from_mapping(self._config)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [example for example in training_data.intent_examples
                    if example.get(TEXT) and example.get(INTENT)]
        if not examples:
            return self._resource
        labels = [example.get(INTENT_RESPONSE_KEY) or example.get(INTENT)
                  for example in examples]
        model = IntentModel.learn([example.get(TEXT) for example in examples], labels,
                                  self._model_config())
        retrieval = {label for label in labels if "/" in label}
        responses = {f"{UTTER_PREFIX}{label}": training_data.responses.get(
            f"{UTTER_PREFIX}{label}", []) for label in sorted(retrieval)}
        return self._store(Intents(model, responses))

    @classmethod
    def _read(cls, directory: Path) -> Intents:
        return Intents(IntentModel.load(directory / _FILE),
                       read_json(directory / _RESPONSES))

    def _write(self, learned: Intents, directory: Path) -> None:
        learned.model.dump(directory / _FILE)
        write_json(directory / _RESPONSES, learned.responses)

    def _apply(self, learned: Intents, message: Message) -> None:
        model, text = learned.model, message.get(TEXT) or ""
        ranked = model.rank(text)
        intents: dict[str, float] = {}
        for label, probability in ranked:  # most likely first: each intent's best label
            intents.setdefault(_intent_of(label), probability)
        ranking = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                   for name, confidence in intents.items()][:RANKING_LENGTH]
        if not model.knows_a_word(text):
            ranking.insert(0, {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                               PREDICTED_CONFIDENCE_KEY: 1.0})
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        selectors: dict[str, Any] = {}
        for retrieval_intent in sorted({_intent_of(label) for label, _ in ranked
                                        if "/" in label}):
            keys = [(label, probability) for label, probability in ranked
                    if _intent_of(label) == retrieval_intent and "/" in label]
            selectors[retrieval_intent] = _selection(keys, learned.responses)
        if selectors:
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME,
                        {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: sorted(selectors), **selectors},
                        add_to_output=True)


def _selection(keys: list[tuple[str, float]],
               responses: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """ResponseSelector's output for one retrieval intent: its most likely answer key."""
    key, confidence = keys[0]
    utter_action = f"{UTTER_PREFIX}{key}"
    return {
        RESPONSE_SELECTOR_PREDICTION_KEY: {
            RESPONSE_SELECTOR_RESPONSES_KEY: responses.get(utter_action, []),
            PREDICTED_CONFIDENCE_KEY: confidence,
            INTENT_RESPONSE_KEY: key,
            RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
        },
        RESPONSE_SELECTOR_RANKING_KEY: [
            {PREDICTED_CONFIDENCE_KEY: probability, INTENT_RESPONSE_KEY: label}
            for label, probability in keys[:RANKING_LENGTH]],
    }
