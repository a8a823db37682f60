"""What every trainable component of ours shares: one learned object, written to Rasa's model
storage after training and read back when a model is loaded, applied to each parsed message.

A subclass says how its object is learned (`train`, ending with `_store`), written (`_write`),
read (`_read`) and applied to one message (`_apply`). A component whose training stored
nothing (no examples) loads untrained and leaves messages as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

Learned = TypeVar("Learned")


class StoredComponent(GraphComponent, Generic[Learned]):
    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 learned: Learned | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._learned = learned

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> Self:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> Self:
        try:
            with model_storage.read_from(resource) as directory:
                learned = cls._read(directory)
        except ValueError:  # nothing was stored: an untrained component
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, learned)

    @classmethod
    def _read(cls, directory: Path) -> Learned:
        raise NotImplementedError

    def _write(self, learned: Learned, directory: Path) -> None:
        raise NotImplementedError

    def _apply(self, learned: Learned, message: Message) -> None:
        raise NotImplementedError

    def _store(self, learned: Learned) -> Resource:
        """Keep `learned` for parsing and write it to the model storage (the end of `train`)."""
        self._learned = learned
        with self._storage.write_to(self._resource) as directory:
            self._write(learned, directory)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._learned is not None:
            for message in messages:
                self._apply(self._learned, message)
        return messages


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")
