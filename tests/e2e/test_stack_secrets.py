"""The started stack shows no secret on any command line and allows only its web origins."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from bot.ops.stack import Stack


def test_no_process_command_line_holds_the_api_token(stack: Stack) -> None:
    token = stack.config.api_token.encode()
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes())
        except OSError:
            continue
    assert any(b"bot.ops.rasa_server" in line for line in lines)  # the server is running
    assert not any(token in line for line in lines)


def test_cors_allows_only_the_configured_origin(stack: Stack) -> None:
    def allowed(origin: str) -> str | None:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{stack.config.rasa_url}/webhooks/rest/", headers={"Origin": origin})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.headers.get("Access-Control-Allow-Origin")

    own = f"http://127.0.0.1:{stack.config.rasa_port}"
    assert allowed(own) == own
    assert allowed("http://evil.example") in (None, "")
