"""Rasa pipeline component: the closed-set entities (bot.nlu.entity_lexicon), learned from the
examples' annotations and the synonyms at training time, found by their words at parse time.
Values come out canonical (the synonyms applied), so no EntitySynonymMapper is needed; entities
another component already found (the keypad's `digit`) are kept and not found twice.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_lexicon import Annotation, EntityLexicon

_FILE = "entity_lexicon.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class LexiconEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # true: an entity is looked for only in messages of the intents it is annotated under
        return {"by_intent": True}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 lexicon: EntityLexicon | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._lexicon = lexicon

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LexiconEntityExtractor:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LexiconEntityExtractor:
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, EntityLexicon.from_json(data))

    def train(self, training_data: TrainingData) -> Resource:
        annotations = [Annotation(example.get(INTENT), entity["entity"],
                                  example.get(TEXT)[entity["start"]:entity["end"]],
                                  str(entity["value"]))
                       for example in training_data.entity_examples
                       for entity in example.get(ENTITIES) or []]
        self._lexicon = EntityLexicon.learn(annotations, training_data.entity_synonyms)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self._lexicon.to_json()),
                                           encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._lexicon is None:
            return messages
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) \
                if self._config["by_intent"] else None
            existing = list(message.get(ENTITIES) or [])
            found = [entity.as_dict(self.name) for entity in
                     self._lexicon.find(message.get(TEXT) or "", intent)
                     if all(entity.end <= other["start"] or entity.start >= other["end"]
                            for other in existing)]
            message.set(ENTITIES, existing + found, add_to_output=True)
        return messages
