"""Reading real conversations back from the tracker store, for conversation designers.

Rasa's SQL tracker store keeps one row per event in the `events` table (sender_id, type_name,
timestamp, intent_name, action_name, data as JSON). Secrets are masked when events are written
(bot.channels.tracker_store); every event read here is masked again (bot.security.redaction),
and caller metadata is dropped, so that nothing exported for review can hold a PIN or a card
number even if a row was written by another store. No Rasa import: listing stays quick."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.i18n import DEFAULT_LANGUAGE
from bot.security.redaction import mask_digits, redact_event

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_fallback"
SINCE = re.compile(r"^(\d+)([mhdw])$")
SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def parse_since(text: str, now: float | None = None) -> float:
    """`7d`, `24h`, `30m`, `2w` before now, or an ISO date/time (UTC), as a Unix timestamp."""
    now = time.time() if now is None else now
    relative = SINCE.match(text.strip())
    if relative:
        return now - int(relative.group(1)) * SECONDS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r}: expected 7d, 24h, 30m, 2w or an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def for_review(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event safe to show a designer: masked again, no metadata, no secret slot values, and
    no digit runs in any slot (the last four digits of a verified card, for one)."""
    safe = redact_event(event)
    safe.pop("metadata", None)
    value = safe.get("value")
    if safe.get("event") == "slot" and isinstance(value, str):
        safe["value"] = mask_digits(value)
    return safe


class TrackerStoreError(Exception):
    """The tracker store cannot be read (no database file, no events table, no server)."""


def _check_sqlite_file(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise TrackerStoreError(f"no tracker store at {parsed.database}: nothing recorded yet")


def load_conversations(url: str, since: float) -> dict[str, list[dict[str, Any]]]:
    """Every conversation with an event at or after `since`: its events from `since` on, in
    order, each made safe with `for_review`."""
    _check_sqlite_file(url)
    query = (
        select(EVENTS.c.sender_id, EVENTS.c.data)
        .where(EVENTS.c.timestamp >= since)
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    engine = create_engine(url, future=True)
    conversations: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as connection:
            for sender_id, data in connection.execute(query):
                conversations.setdefault(sender_id, []).append(for_review(json.loads(data)))
    except DBAPIError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise TrackerStoreError(f"cannot read the events of {shown}: {error.orig}") from error
    finally:
        engine.dispose()
    return conversations


def conversation_label(sender_id: str) -> str:
    """A short stable name for a conversation in exports and listings. Not the sender id
    itself: on the phone line that may hold the caller's number."""
    return "conv-" + hashlib.sha256(sender_id.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class UserTurn:
    """One thing a caller said or typed, as the assistant understood it."""

    sender_id: str
    timestamp: float
    text: str
    language: str
    intent: str | None  # the intent as classified (may be nlu_fallback)
    confidence: float  # of the intent, or of the FAQ answer when lower
    best_guess: str | None  # the best intent other than nlu_fallback
    entities: tuple[dict[str, Any], ...]
    next_action: str | None  # the first action the assistant ran after it

    @property
    def fell_back(self) -> bool:
        return self.intent == FALLBACK_INTENT or self.next_action == FALLBACK_ACTION


def _best_guess(parse_data: Mapping[str, Any]) -> str | None:
    intent = (parse_data.get("intent") or {}).get("name")
    if intent != FALLBACK_INTENT:
        return full_intent(parse_data)
    for ranked in parse_data.get("intent_ranking") or []:
        if ranked.get("name") and ranked["name"] != FALLBACK_INTENT:
            return ranked["name"]
    return None


def _confidence(parse_data: Mapping[str, Any]) -> float:
    """The intent's confidence; for an FAQ question, the lower of it and the answer's."""
    intent = parse_data.get("intent") or {}
    found = float(intent.get("confidence") or 0.0)
    selector = (parse_data.get("response_selector") or {}).get(intent.get("name")) or {}
    answer = (selector.get("response") or {}).get("confidence")
    return min(found, float(answer)) if answer is not None else found


def full_intent(parse_data: Mapping[str, Any]) -> str | None:
    """The intent, with its retrieval key (`faq/logout`) when an answer key was chosen."""
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    if not name:
        return None
    selector = (parse_data.get("response_selector") or {}).get(name) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return intent.get("full_retrieval_intent_name") or key or name


def user_turns(sender_id: str, events: Iterable[Mapping[str, Any]]) -> list[UserTurn]:
    """The user messages of one conversation, with the language the caller was in and the
    action that answered each one. Before a language is chosen, messages count as in the
    language the caller chooses first (Albanian, the default, if none is chosen)."""
    events = list(events)
    turns: list[UserTurn] = []
    language = next(
        (
            str(event["value"])
            for event in events
            if event.get("event") == "slot"
            and event.get("name") == "language"
            and event.get("value")
        ),
        DEFAULT_LANGUAGE,
    )
    pending: dict[str, Any] | None = None

    def close(next_action: str | None) -> None:
        nonlocal pending
        if pending is not None:
            turns.append(UserTurn(next_action=next_action, **pending))
            pending = None

    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "language" and event.get("value"):
            language = str(event["value"])
        elif kind == "action" and event.get("name") not in (None, "action_listen"):
            close(event.get("name"))
        elif kind == "user":
            close(None)
            parse_data = event.get("parse_data") or {}
            intent = parse_data.get("intent") or {}
            pending = {
                "sender_id": sender_id,
                "timestamp": float(event.get("timestamp") or 0.0),
                "text": str(event.get("text") or ""),
                "language": language,
                "intent": intent.get("name"),
                "confidence": _confidence(parse_data),
                "best_guess": _best_guess(parse_data),
                "entities": tuple(parse_data.get("entities") or ()),
            }
    close(None)
    return turns


def low_confidence(turns: Iterable[UserTurn], threshold: float) -> list[UserTurn]:
    """Messages understood with confidence below `threshold`, or that the assistant fell back on.
    Button payloads (`/intent`) are exact and left out."""
    return [
        turn
        for turn in turns
        if not turn.text.startswith("/") and (turn.fell_back or turn.confidence < threshold)
    ]


def describe_turn(turn: UserTurn) -> str:
    """One line of the `bot low-confidence` listing."""
    when = datetime.fromtimestamp(turn.timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M")
    understood = (
        f"{turn.intent} (best guess {turn.best_guess})"
        if turn.intent == FALLBACK_INTENT
        else str(turn.best_guess)
    )
    why = (
        "not understood"
        if turn.intent == FALLBACK_INTENT
        else "fell back"
        if turn.fell_back
        else "low confidence"
    )
    return (
        f"{when}  {turn.language}  {turn.confidence:.2f}  {why:<14}  {understood}  "
        f"{json.dumps(turn.text, ensure_ascii=False)}  [{conversation_label(turn.sender_id)}]"
    )
