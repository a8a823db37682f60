"""Keys and digit strings are recognised exactly, not guessed by the statistical model.

A message that is a single key (0-9, *, #) is `press_key` with its `digit`; a message made only
of digits (with spaces, dots or dashes between them), four or more, is `inform_digits`. Callers
type these in chat and the voice gateway sends them from the keypad; a learned model need not
(and, for "*", cannot: the tokenizer drops it) get them right.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.payloads import KEYS

DIGIT_STRING = re.compile(r"^\s*\d(?:[\s.\-]*\d){3,}\s*#?\s*$")


def keypad_intent(text: str) -> tuple[str, str | None] | None:
    """("press_key", key) or ("inform_digits", None) when `text` is keypad input, else None."""
    key = text.strip()
    if key in KEYS:
        return "press_key", key
    if DIGIT_STRING.match(text):
        return "inform_digits", None
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class KeypadClassifier(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeypadClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = keypad_intent(message.get(TEXT) or "")
            if found is None:
                continue
            intent, key = found
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}],
                        add_to_output=True)
            entities = [{"entity": "digit", "value": key, "start": 0, "end": len(key),
                         "extractor": "KeypadClassifier"}] if key else []
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
