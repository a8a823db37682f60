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

from dataclasses import asdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
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

_FILE = "intent_model.skops"
RANKING_LENGTH = 10


def _intent_of(label: str) -> str:
    """`faq/logout` -> `faq`; an intent is its own intent."""
    return label.split("/", 1)[0]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return asdict(ModelConfig())

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: IntentModel | None = None,
                 responses: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._responses = responses or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        import json

        try:
            with model_storage.read_from(resource) as directory:
                model = IntentModel.load(directory / _FILE)
                responses = json.loads((directory / "responses.json").read_text("utf-8"))
        except ValueError:  # nothing was trained (no examples): an untrained component
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, model, responses)

    def _model_config(self) -> ModelConfig:
        return ModelConfig.from_mapping(self._config)

    def train(self, training_data: TrainingData) -> Resource:
        import json

        examples = [example for example in training_data.intent_examples
                    if example.get(TEXT) and example.get(INTENT)]
        if not examples:
            return self._resource
        labels = [example.get(INTENT_RESPONSE_KEY) or example.get(INTENT)
                  for example in examples]
        self._model = IntentModel.learn([example.get(TEXT) for example in examples], labels,
                                        self._model_config())
        retrieval = {label for label in labels if "/" in label}
        self._responses = {f"{UTTER_PREFIX}{label}": training_data.responses.get(
            f"{UTTER_PREFIX}{label}", []) for label in sorted(retrieval)}
        with self._storage.write_to(self._resource) as directory:
            self._model.dump(directory / _FILE)
            (directory / "responses.json").write_text(json.dumps(self._responses),
                                                      encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            self._classify(message, self._model)
        return messages

    def _classify(self, message: Message, model: IntentModel) -> None:
        text = message.get(TEXT) or ""
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
            selectors[retrieval_intent] = self._selection(keys)
        if selectors:
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME,
                        {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: sorted(selectors), **selectors},
                        add_to_output=True)

    def _selection(self, keys: list[tuple[str, float]]) -> dict[str, Any]:
        """ResponseSelector's output for one retrieval intent: its most likely answer key."""
        key, confidence = keys[0]
        utter_action = f"{UTTER_PREFIX}{key}"
        return {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self._responses.get(utter_action, []),
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: probability, INTENT_RESPONSE_KEY: label}
                for label, probability in keys[:RANKING_LENGTH]],
        }
