"""Helpers the end-to-end tests share: free ports, a conversation over Rasa's REST channel."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from bot.config import PROJECT_ROOT
from bot.designer.parity import chosen_variations
from bot.ops.stack import free_port
from bot.security.trust import signed_message_metadata

__all__ = ["Conversation", "all_responses", "free_port", "post_json", "response_text", "run_bot",
           "start_in", "verify_with_card"]


def post_json(url: str, body: Any, method: str = "POST", timeout: float = 60,
              ) -> tuple[int, Any]:
    """`body` as JSON to `url` (None: no body); the status and the JSON answer, a refusal's
    (HTTP 4xx/5xx with a JSON body) included."""
    request = urllib.request.Request(  # noqa: S310 (http on loopback)
        url, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def run_bot(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
            typed: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as an operator runs it, `typed` on its standard input; output
    captured, exit status not checked."""
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          input=typed, capture_output=True, text=True, timeout=timeout,
                          check=False)


@dataclass
class Conversation:
    """One conversation with the running assistant, as a caller (signed caller ID) or web user."""

    rasa_url: str
    trust_key: bytes | None = None
    caller_id: str | None = None
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex}")
    replies: list[dict[str, Any]] = field(default_factory=list)
    status: int = 0
    last_metadata: Any = None
    timeout: float = 60.0  # seconds for one turn
    channel: str = "rest"  # or "voice": the voice gateway's channel (signed messages only)

    def metadata(self, text: str) -> dict[str, Any]:
        """What the voice gateway attaches to `text` (nothing for a web user)."""
        if self.trust_key is None:
            return {}
        return signed_message_metadata(self.trust_key, self.sender, self.caller_id, text)

    def say(self, text: str, metadata: Any = None) -> list[dict[str, Any]]:
        """Send `text` (with `metadata` as given, else the gateway's); the replies.

        A refusal (HTTP 4xx with a reply list) is returned like any answer; `status` tells."""
        sent = self.metadata(text) if metadata is None else metadata
        self.last_metadata = sent
        self.status, self.replies = post_json(
            f"{self.rasa_url}/webhooks/{self.channel}/webhook",
            {"sender": self.sender, "message": text, "metadata": sent}, timeout=self.timeout)
        return self.replies

    def text(self) -> str:
        """Everything the assistant wrote in its last turn, joined."""
        return "\n".join(reply.get("text", "") for reply in self.replies if reply.get("text"))

    def custom(self, key: str) -> dict[str, Any] | None:
        """The last custom payload of the last turn that carries `key`."""
        found = [reply["custom"][key] for reply in self.replies
                 if isinstance(reply.get("custom"), dict) and key in reply["custom"]]
        return found[-1] if found else None

    def buttons(self) -> list[str]:
        return [button["title"] for reply in self.replies for button in reply.get("buttons", [])]


def start_in(conversation: Conversation, language_key: str) -> None:
    """From the welcome to the main menu, choosing the language by key (1 sq, 2 en)."""
    conversation.say("/greet")
    assert conversation.custom("menu") == "language"
    conversation.say(language_key)
    assert conversation.custom("menu") == "main"


def verify_with_card(conversation: Conversation, number: str, pin: str) -> None:
    if conversation.custom("menu") == "accounts_method":  # every caller is offered 1 / 2
        conversation.say("1")
    assert conversation.custom("collect")["slot"] == "card_number"
    conversation.say(number)
    assert conversation.custom("collect")["slot"] == "card_pin"
    conversation.say(pin)


@lru_cache(maxsize=1)
def all_responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of the domain and the FAQ answers, as written in the YAML files."""
    responses: dict[str, Any] = {}
    for path in (PROJECT_ROOT / "domain.yml", PROJECT_ROOT / "data" / "faq" / "responses.yml"):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])
    return responses


def response_text(name: str, lang: str, mode: str = "text", **values: Any) -> str:
    """What the assistant says for response `name` in `lang` on the `mode` channel ("text":
    web chat and REST, "voice": the phone), as Rasa chooses the variation; slots filled from
    `values` (left as "{slot}" without values)."""
    variations = all_responses()[name]
    (index,) = chosen_variations(variations, lang, mode)
    text = str(variations[index]["text"])
    return text.format(**values) if values else text
