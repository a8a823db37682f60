"""Rasa pipeline component: every parse result says which language the message is in.

The classifier (bot.nlu.language_id) is learned at training time from the per-language NLU
files and kept in the model; at parse time it adds `{"code", "confidence"}` under
`language_id.PARSE_KEY` (absent for keys, digits and empty text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_id import PARSE_KEY, LanguageModel, learn_from_files, training_files

_FILE = "language_model.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LanguageIdentifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # per language, the NLU files to learn from, relative to the project (where Rasa runs)
        return {"files": {lang: [str(path) for path in paths]
                          for lang, paths in training_files(Path(".")).items()}}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: LanguageModel | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageIdentifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LanguageIdentifier:
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, LanguageModel.from_json(data))

    def train(self, training_data: TrainingData) -> Resource:
        files = {lang: [Path(path) for path in paths]
                 for lang, paths in self._config["files"].items()}
        self._model = learn_from_files(files)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self._model.to_json()), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            guess = self._model.identify(message.get(TEXT) or "")
            if guess is not None:
                message.set(PARSE_KEY, guess.as_dict(), add_to_output=True)
        return messages
