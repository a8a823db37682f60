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

A refusal is a normal reply list with one text in the conversation's language, so a client sees
why; the conversation itself is left untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.i18n.lang import DEFAULT_LANGUAGE, LANGUAGES
from bot.security.secret_keys import trust_key
from bot.security.trust import MessageGuard, Verdict

MAX_MESSAGE_CHARS = 1000  # far above any real customer's message; NLU cost grows with length
TOO_LONG = {
    "sq": "Mesazhi juaj është shumë i gjatë. Ju lutemi shkruani më shkurt.",
    "en": "Your message is too long. Please write it more briefly.",
}
REFUSED = {
    "sq": "Kjo bisedë vazhdon vetëm nga linja telefonike. Ju lutemi na telefononi përsëri.",
    "en": "This conversation continues only on the phone line. Please call us again.",
}


def _language(*candidates: Any) -> str:
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def _answer(sender: str, text: str, status: int = 200) -> HTTPResponse:
    return response.json([{"recipient_id": sender, "text": text}], status=status)


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

    def guard(self) -> MessageGuard:
        return message_guard()

    def output_channel(self) -> CollectingOutputChannel:
        """Collects the replies of one message (Rasa's: text and payload as separate items)."""
        return CollectingOutputChannel()

    async def _voice_conversation(self, request: Request, sender: str) -> dict[str, Any] | None:
        """The slots of `sender`'s stored conversation if it began on the voice channel."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None or tracker.get_slot("output_mode") != "voice":
            return None
        return {"language": tracker.get_slot("language")}

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
            metadata = body.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            if len(text) > MAX_MESSAGE_CHARS:  # refused before NLU, which it could exhaust
                voice = await self._voice_conversation(request, sender)
                language = _language((voice or {}).get("language"), metadata.get("language"))
                return _answer(sender, TOO_LONG[language], 413)
            verdict = self.guard().check(sender, text, metadata, time.time())
            if verdict is not Verdict.VALID and verdict is not Verdict.UNSIGNED:
                return _answer(sender, REFUSED[_language(metadata.get("language"))], 403)
            if verdict is Verdict.UNSIGNED and not self.accepts_unsigned:
                return _answer(sender, REFUSED[_language(metadata.get("language"))], 403)
            if verdict is Verdict.UNSIGNED:
                voice = await self._voice_conversation(request, sender)
                if voice is not None:
                    language = _language(voice["language"], metadata.get("language"))
                    return _answer(sender, REFUSED[language], 403)
            collector = self.output_channel()
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                             metadata=metadata))
            return response.json(collector.messages)

        return webhook
