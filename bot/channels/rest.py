"""Rasa's REST channel behind a gate: signed voice messages only into voice conversations.

Tests and tools reach the assistant through this channel (same URL as Rasa's own:
/webhooks/rest/webhook); the voice gateway through its own channel with the same gate
(bot/channels/voice.py). Before a message reaches NLU:

- a message that carries caller-ID fields must have a valid, fresh message signature with a
  sequence number larger than the conversation's last one (`bot.security.trust.MessageGuard`);
  otherwise it is refused (HTTP 403) — a forged, stale or replayed signature never reaches the
  conversation;
- an unsigned message (a text user) is refused if its conversation began on the voice channel
  (`output_mode` = voice in the stored conversation), so a sender id learnt from a call cannot be
  continued over REST to reach the caller's verified services.

A message over `MAX_MESSAGE_CHARS` never reaches NLU (whose cost grows with the text): a text
client gets HTTP 413, a signed voice message (a very long transcript) HTTP 200, so the call goes
on, both with one answer in the conversation's language. Only the metadata fields the assistant
reads (`REST_METADATA_KEYS`, short scalars) are passed on: anything else a client sends is
dropped before it could be stored with every message. The whole request body is bounded by the
Rasa server's launcher (`bot.ops.rasa_server`).

At most `in_flight.MAX_IN_FLIGHT` messages of one conversation are handled at once; more get
HTTP 429 with "one message at a time".

A refusal is a normal reply list with one text in the conversation's language, so a client sees
why; the conversation itself is left untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.in_flight import ONE_AT_A_TIME, InFlight
from bot.channels.tracker_store import RedactingSQLTrackerStore
from bot.i18n.lang import DEFAULT_LANGUAGE, LANGUAGES
from bot.payloads import HandoffPayload
from bot.security.secret_keys import trust_key
from bot.security.trust import TRUST_FIELDS, MessageGuard, Verdict

MAX_MESSAGE_CHARS = 1000  # far above any real customer's message; NLU cost grows with length
TOO_LONG = {
    "sq": "Mesazhi juaj është shumë i gjatë. Ju lutemi shkruani më shkurt.",
    "en": "Your message is too long. Please write it more briefly.",
}
TOO_LONG_SPOKEN = {
    "sq": "Më thatë shumë gjëra njëherësh. Ju lutemi, thuajeni më shkurt.",
    "en": "That was too much for me at once. Please say it more briefly.",
}
REST_METADATA_KEYS = TRUST_FIELDS | {"language"}
MAX_METADATA_VALUE_CHARS = 256  # far above any signature, number or language code
REFUSED = {
    "sq": "Kjo bisedë vazhdon vetëm nga linja telefonike. Ju lutemi na telefononi përsëri.",
    "en": "This conversation continues only on the phone line. Please call us again.",
}


def _language(*candidates: Any) -> str:
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def rest_metadata(metadata: Any) -> dict[str, Any]:
    """The part of a client's metadata the assistant reads: known keys, short scalar values."""
    if not isinstance(metadata, dict):
        return {}
    return {key: value for key, value in metadata.items()
            if key in REST_METADATA_KEYS and isinstance(value, bool | int | str)
            and not (isinstance(value, str) and len(value) > MAX_METADATA_VALUE_CHARS)}


def _answer(sender: str, text: str, status: int = 200) -> HTTPResponse:
    return response.json([{"recipient_id": sender, "text": text}], status=status)


async def _announce_handoffs(request: Request, messages: list[dict[str, Any]]) -> None:
    """A phone call handed to a person: the agent desk (bot/agentdesk/, served by the web chat
    channel on this server) shows the new hand-off to every agent at once."""
    desk = getattr(request.app.ctx, "agent_desk", None)
    if desk is None:
        return
    if any(isinstance(message.get("custom"), dict)
           and HandoffPayload.from_dict(message["custom"]) is not None for message in messages):
        await desk.publish()


async def _stored_slots(store: TrackerStore, sender: str,
                        names: tuple[str, ...]) -> dict[str, Any] | None:
    """The slots `names` of the stored conversation: from its slot events where the store can
    (ours, behind Rasa's fail-safe wrapper), else from the whole conversation rebuilt."""
    inner = getattr(store, "_tracker_store", store)
    if isinstance(inner, RedactingSQLTrackerStore):
        return await inner.slot_values(sender, names)
    tracker = await store.retrieve(sender)
    return None if tracker is None else {name: tracker.get_slot(name) for name in names}


_guard: MessageGuard | None = None


def message_guard() -> MessageGuard:
    """The process's one guard: every gated channel shares its memory of sequence numbers, so a
    signed message seen on one channel cannot be replayed on another."""
    global _guard
    if _guard is None:  # made on first use: the key is read in the server process
        _guard = MessageGuard(trust_key())
    return _guard


class GuardedRestInput(InputChannel):
    """The REST channel (`rest`), with the voice-conversation gate in front of it."""

    accepts_unsigned = True  # text users (tests, tools) talk to the assistant here

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self._in_flight = InFlight()

    def guard(self) -> MessageGuard:
        return message_guard()

    def output_channel(self) -> CollectingOutputChannel:
        """Collects the replies of one message (Rasa's: text and payload as separate items)."""
        return CollectingOutputChannel()

    async def _stored(self, request: Request, sender: str) -> tuple[bool, str | None]:
        """Whether `sender`'s stored conversation began on the voice channel, and its language."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return False, None
        slots = await _stored_slots(agent.tracker_store, sender, ("output_mode", "language"))
        if slots is None:
            return False, None
        return slots["output_mode"] == "voice", slots["language"]

    async def _handle(self, request: Request, sender: str, text: str, metadata: dict[str, Any],
                      verdict: Verdict, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      ) -> HTTPResponse:
        """A message whose signature (if any) is valid: refused if too long or an unsigned
        message to a call's conversation, else handed to Rasa."""
        too_long = len(text) > MAX_MESSAGE_CHARS  # refused before NLU, which it could exhaust
        if too_long or verdict is Verdict.UNSIGNED:
            voice, stored_language = await self._stored(request, sender)
            language = _language(stored_language, metadata.get("language"))
            if verdict is Verdict.UNSIGNED and voice:
                return _answer(sender, REFUSED[language], 403)
            if too_long and verdict is Verdict.VALID:
                return _answer(sender, TOO_LONG_SPOKEN[language])  # the call goes on
            if too_long:
                return _answer(sender, TOO_LONG[language], 413)
        collector = self.output_channel()
        await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                         metadata=metadata))
        await _announce_handoffs(request, collector.messages)
        return response.json(collector.messages)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json
            if not isinstance(body, dict):
                return response.json({"error": "expected a JSON object"}, status=400)
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message must be strings"},
                                     status=400)
            metadata = rest_metadata(body.get("metadata"))
            verdict = self.guard().check(sender, text, metadata, time.time())
            if verdict is not Verdict.VALID and verdict is not Verdict.UNSIGNED:
                return _answer(sender, REFUSED[_language(metadata.get("language"))], 403)
            if verdict is Verdict.UNSIGNED and not self.accepts_unsigned:
                return _answer(sender, REFUSED[_language(metadata.get("language"))], 403)
            if not self._in_flight.enter(sender):
                return _answer(sender, ONE_AT_A_TIME[_language(metadata.get("language"))], 429)
            try:
                return await self._handle(request, sender, text, metadata, verdict,
                                          on_new_message)
            finally:
                self._in_flight.leave(sender)

        return webhook
