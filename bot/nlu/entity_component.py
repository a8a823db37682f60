"""Rasa pipeline component: the closed-set entities (bot.nlu.entity_lexicon), learned from the
examples' annotations and the synonyms at training time, found by their words at parse time.
Values come out canonical (the synonyms applied), so no EntitySynonymMapper is needed; entities
another component already found (the keypad's `digit`) are kept and not found twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_lexicon import Annotation, EntityLexicon
from bot.nlu.stored_component import StoredComponent, read_json, write_json

_FILE = "entity_lexicon.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class LexiconEntityExtractor(StoredComponent[EntityLexicon], EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # the entities looked for only in messages of the intents they are annotated under: the
        # words of a key are everyday words ("një" is also "a", "one" in "the third one"), a
        # currency's or a language's are not
        return {"by_intent": ["digit"]}

    def train(self, training_data: TrainingData) -> Resource:
        annotations = [Annotation(example.get(INTENT), entity["entity"],
                                  example.get(TEXT)[entity["start"]:entity["end"]],
                                  str(entity["value"]))
                       for example in training_data.entity_examples
                       for entity in example.get(ENTITIES) or []]
        return self._store(EntityLexicon.learn(annotations, training_data.entity_synonyms))

    @classmethod
    def _read(cls, directory: Path) -> EntityLexicon:
        return EntityLexicon.from_json(read_json(directory / _FILE))

    def _write(self, learned: EntityLexicon, directory: Path) -> None:
        write_json(directory / _FILE, learned.to_json())

    def _apply(self, learned: EntityLexicon, message: Message) -> None:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        existing = list(message.get(ENTITIES) or [])
        found = [entity.as_dict(self.name) for entity in
                 learned.find(message.get(TEXT) or "", intent, self._config["by_intent"])
                 if all(entity.end <= other["start"] or entity.start >= other["end"]
                        for other in existing)]
        message.set(ENTITIES, existing + found, add_to_output=True)
