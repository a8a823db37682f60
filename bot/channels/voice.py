"""The voice gateway's channel: the REST gate, signed messages only, each reply returned whole.

    POST /webhooks/voice/webhook   {"sender", "message", "metadata"}  (as Rasa's REST channel)
    -> [{"recipient_id", "text", "custom"}, ...]                        one item per reply

Rasa's REST channel splits a reply into separate items (its text, then its custom payload), so a
client has to re-join them by position. Here each reply the assistant makes (an
`utter_message`, a response) comes back as one item holding its text and its payload together,
as the web chat channel sends them, and the voice session reads a prompt and what it asks for
from the same item (bot/voice/turns.py).

The gate is the REST channel's own (bot/channels/rest.py), with the process's one
`MessageGuard`, so a signed message accepted here cannot be replayed on the REST channel or the
other way round. Only signed messages are taken: this channel is the voice gateway's, and a text
user has the REST channel and the web chat.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel

from bot.channels.rest import GuardedRestInput

REPLY_KEYS = ("text", "custom")  # what a phone can use of a reply (buttons are for screens)


class VoiceOutput(CollectingOutputChannel):
    """Collects each reply as one item: its text and its custom payload together."""

    @classmethod
    def name(cls) -> str:
        return VoiceInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        reply = {key: message[key] for key in REPLY_KEYS if message.get(key)}
        if reply:
            await self._persist_message({"recipient_id": recipient_id, **reply})


class VoiceInput(GuardedRestInput):
    """`/webhooks/voice/webhook`: the voice gateway's messages, gated as on the REST channel."""

    accepts_unsigned = False

    @classmethod
    def name(cls) -> str:
        return "voice"

    def output_channel(self) -> CollectingOutputChannel:
        return VoiceOutput()
