"""`bot chat`: a text conversation with the assistant in this terminal, over its REST channel.

The terminal is a web-chat user (no caller ID): each line typed is one message, menu keys work
as typed text, the buttons of a menu are listed under it. A question for a card number or a
PIN is read without echo when the terminal allows it. `quit` (or Ctrl-D) ends the chat.
"""

from __future__ import annotations

import getpass
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any, TextIO

QUIT_WORDS = frozenset({"quit", "exit", "/stop"})


def post(rasa_url: str, sender: str, text: str, timeout: float = 60) -> list[dict[str, Any]]:
    """One message to the REST channel; the assistant's replies (a refusal's too)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(  # noqa: S310 (the operator's own assistant, loopback)
        f"{rasa_url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"[]")


def shown(replies: list[dict[str, Any]]) -> list[str]:
    """The replies as terminal lines: texts, and each button's title indented under them."""
    lines: list[str] = []
    for reply in replies:
        if reply.get("text"):
            lines.append(f"bot: {reply['text']}")
        lines += [f"       {button.get('title', '')}" for button in reply.get("buttons") or []]
    return lines


def asks_for_secret(replies: list[dict[str, Any]]) -> bool:
    return any(isinstance(reply.get("custom"), dict)
               and (reply["custom"].get("collect") or {}).get("secret") for reply in replies)


def chat(rasa_url: str, source: TextIO = sys.stdin, sink: TextIO = sys.stdout) -> int:
    """Hold the conversation until `quit` or the end of input."""
    sender = f"terminal-{uuid.uuid4().hex}"
    print("Type a message or a menu key and press Enter; `quit` ends the chat.", file=sink,
          flush=True)
    secret = False
    while True:
        if secret and source.isatty():
            text = getpass.getpass("you (hidden): ")
        else:
            print("you: ", end="", file=sink, flush=True)
            line = source.readline()
            if not line:
                break
            text = line.strip()
        if text.lower() in QUIT_WORDS:
            break
        if not text:
            continue
        replies = post(rasa_url, sender, text)
        print("\n".join(shown(replies)), file=sink, flush=True)
        secret = asks_for_secret(replies)
    print("", file=sink)
    return 0
