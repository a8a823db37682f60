"""Real conversations as Rasa training files for a designer to review.

Stories: one test story per conversation in `test_conversations.yml` (Rasa's own story writer,
in the format of `tests/stories/`). NLU: what callers said, under the intent the assistant
understood, one file per language (`nlu-<lang>.yml`, after the `language` slot), in the format
of `data/nlu/<lang>.yml`. Both are drafts: a designer corrects intents and copies what is worth
keeping into the project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.designer.conversations import UserTurn, conversation_label, full_intent, user_turns

ENTITY_KEYS = ("entity", "value", "start", "end", "role", "group")


def _with_retrieval_key(event: Mapping[str, Any]) -> dict[str, Any]:
    """A user event whose intent names the FAQ key chosen (`faq/logout`), so stories show it."""
    copied = dict(event)
    parse_data = copied.get("parse_data")
    if copied.get("event") == "user" and isinstance(parse_data, Mapping):
        intent = dict(parse_data.get("intent") or {})
        key = full_intent(parse_data)
        if key and key != intent.get("name"):
            intent["full_retrieval_intent_name"] = key
            copied["parse_data"] = {**parse_data, "intent": intent}
    return copied


def _without_followups(data: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events minus each action run as another action's follow-up (a menu key runs its
    item's action): test stories cannot say "follow-up", and `rasa test` would expect the
    action to be predicted. The follow-up's slot events stay, after the action that asked."""
    kept: list[Mapping[str, Any]] = []
    followup: str | None = None
    for event in data:
        kind = event.get("event")
        if kind == "followup":
            followup = event.get("name")
        elif kind == "action" and followup is not None and event.get("name") == followup:
            followup = None
            continue
        kept.append(event)
    return kept


def _events(data: Iterable[Mapping[str, Any]]) -> list[Any]:
    from rasa.shared.core.events import Event

    events = [
        Event.from_parameters(_with_retrieval_key(event)) for event in _without_followups(data)
    ]
    return [event for event in events if event is not None]


def _started(data: list[dict[str, Any]]) -> str:
    """When the conversation's first exported event happened (UTC), for the story's name."""
    stamps = [
        event["timestamp"] for event in data if isinstance(event.get("timestamp"), int | float)
    ]
    return (
        datetime.fromtimestamp(min(stamps), tz=UTC).strftime("%Y-%m-%d %H:%M UTC") if stamps else ""
    )


def stories_yaml(conversations: Mapping[str, list[dict[str, Any]]]) -> str:
    """Every conversation as a Rasa test story (user texts, intents, actions, slots, forms)."""
    from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter
    from rasa.shared.core.training_data.structures import Story

    steps = []
    for sender_id, data in conversations.items():
        name = f"conversation {conversation_label(sender_id)} {_started(data)}"
        steps.extend(Story.from_events(_events(data), name.strip()).story_steps)
    return YAMLStoryWriter().dumps(steps, is_test_story=True)


def _clean_entities(turn: UserTurn) -> list[dict[str, Any]]:
    """The turn's entities that annotate its text, without overlaps or extractor details."""
    kept: list[dict[str, Any]] = []
    end = -1
    for entity in sorted(turn.entities, key=lambda found: found.get("start", -1)):
        start, stop = entity.get("start"), entity.get("end")
        if not isinstance(start, int) or not isinstance(stop, int) or start < end:
            continue
        if not (0 <= start < stop <= len(turn.text)):
            continue
        kept.append({key: entity[key] for key in ENTITY_KEYS if entity.get(key) is not None})
        end = stop
    return kept


def worth_reviewing(turn: UserTurn) -> bool:
    """Words a caller said or typed: not a button payload, not keys or (masked) digits only."""
    return (
        bool(turn.best_guess)
        and not turn.text.startswith("/")
        and any(char.isalpha() for char in turn.text)
    )


def nlu_yaml(turns: Iterable[UserTurn]) -> str:
    """The turns as NLU examples under their (best-guess) intents; duplicates once."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    seen: set[tuple[str, str]] = set()
    messages = []
    for turn in turns:
        key = (str(turn.best_guess), turn.text.strip())
        if not worth_reviewing(turn) or key in seen:
            continue
        seen.add(key)
        messages.append(
            Message.build(
                text=turn.text.strip(), intent=turn.best_guess, entities=_clean_entities(turn)
            )
        )
    return RasaYAMLWriter().dumps(TrainingData(messages)) if messages else ""


def all_turns(conversations: Mapping[str, list[dict[str, Any]]]) -> list[UserTurn]:
    return [
        turn for sender_id, data in conversations.items() for turn in user_turns(sender_id, data)
    ]


def export(
    conversations: Mapping[str, list[dict[str, Any]]], out: Path, kind: str = "stories"
) -> list[Path]:
    """Write the review files into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if kind == "stories":
        path = out / "test_conversations.yml"  # `test_` prefix: Rasa reads it as test stories
        path.write_text(stories_yaml(conversations), encoding="utf-8")
        written.append(path)
        return written
    turns = all_turns(conversations)
    for language in sorted({turn.language for turn in turns}):
        text = nlu_yaml(turn for turn in turns if turn.language == language)
        if text:
            path = out / f"nlu-{language}.yml"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
