"""Rasa pipeline component: every parse result says which language the message is in.

The classifier (bot.nlu.language_id) is learned at training time from the per-language NLU
files and kept in the model; at parse time it adds `{"code", "confidence"}` under
`language_id.PARSE_KEY` (absent for keys, digits and empty text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_id import PARSE_KEY, LanguageModel, learn_from_files, training_files
from bot.nlu.stored_component import StoredComponent, read_json, write_json

_FILE = "language_model.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LanguageIdentifier(StoredComponent[LanguageModel]):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # per language, the NLU files to learn from, relative to the project (where Rasa runs)
        return {"files": {lang: [str(path) for path in paths]
                          for lang, paths in training_files(Path(".")).items()}}

    def train(self, training_data: TrainingData) -> Resource:
        files = {lang: [Path(path) for path in paths]
                 for lang, paths in self._config["files"].items()}
        return self._store(learn_from_files(files))

    @classmethod
    def _read(cls, directory: Path) -> LanguageModel:
        return LanguageModel.from_json(read_json(directory / _FILE))

    def _write(self, learned: LanguageModel, directory: Path) -> None:
        write_json(directory / _FILE, learned.to_json())

    def _apply(self, learned: LanguageModel, message: Message) -> None:
        guess = learned.identify(message.get(TEXT) or "")
        if guess is not None:
            message.set(PARSE_KEY, guess.as_dict(), add_to_output=True)
