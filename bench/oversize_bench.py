"""Oversized input on every channel: the memory it costs the Rasa server and the action server.

    .venv/bin/python bench/oversize_bench.py [--model models/x.tar.gz]

Starts the stack as `bot run` does (free loopback ports, a fresh demo bank in a temporary
folder), warms it up with ordinary turns, then sends each request below once and records its
HTTP answer and the resident memory (VmRSS) of the Rasa server and the action server before and
after it. An ordinary message on each channel is the baseline, measured in the same run. Issue 11's
target: no single request raises any process's RSS by more than 50 MB.

- REST (`/webhooks/rest/webhook`): texts of 1,001 characters, 38 KB and 78 KB (the sizes that
  cost 0.8 and 3.2 GB before), 900 KB; metadata of 800 KB (16,000 keys); a JSON array nested
  100,000 deep; bodies of 5 MB and 50 MB (declared; the first MB sent, then the answer read).
- Voice: a signed transcript (the gateway's metadata) of 5,000 characters and of 78 KB.
- socket.io (`/socket.io`, long-polling, as the widget): messages of 5,000 characters and of
  60 KB, and a 1 MB packet.

- For comparison, what the guards spare: the same 38 KB text sent past every channel, straight
  to NLU through the token-only HTTP API (`/model/parse`, the operator's, not a channel). It is
  reported apart and not held to the target.

Bounded: about 25 requests, all to 127.0.0.1; the stack stops at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import platform
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.ops.stack import Stack, init_demo_bank, latest_model, running, scratch_config  # noqa: E402
from bot.security.trust import signed_message_metadata  # noqa: E402

TRUST_KEY = bytes(range(32))
LIMIT_MB = 50.0
REFERENCE = "(no guard)"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def post_raw(url: str, body: bytes, timeout: float = 120) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, type(error).__name__
    try:
        replies = json.loads(raw)
        text = " ".join(r.get("text", "") for r in replies if isinstance(r, dict)) if isinstance(
            replies, list) else str(replies)
    except ValueError:
        text = raw[:80].decode(errors="replace")
    return status, text


def post_large(url: str, length: int, sent: int = 1 << 20) -> tuple[int, str]:
    """A body of `length` bytes declared, its first `sent` bytes sent, then the answer read (a
    server that reads the whole body first would keep this client waiting)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest("POST", "/webhooks/rest/webhook")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        with contextlib.suppress(OSError):  # the server answered and closed already
            connection.send(b'{"message": "' + b"a" * (sent - 14))
        response = connection.getresponse()
        return response.status, response.read()[:80].decode(errors="replace")
    except (OSError, http.client.HTTPException) as error:
        return 0, type(error).__name__
    finally:
        connection.close()


def rest(url: str, text: str, metadata: object = None, sender: str | None = None
         ) -> Callable[[], tuple[int, str]]:
    body = json.dumps({"sender": sender or f"bench-{uuid.uuid4().hex}", "message": text,
                       "metadata": metadata or {"language": "en"}}).encode()
    return lambda: post_raw(url, body)


def voice(url: str, text: str) -> Callable[[], tuple[int, str]]:
    sender = f"bench-call-{uuid.uuid4().hex}"

    def send() -> tuple[int, str]:
        for key in ("/greet", "2"):  # an English call
            metadata = signed_message_metadata(TRUST_KEY, sender, "+355694109990", key)
            post_raw(url, json.dumps({"sender": sender, "message": key,
                                      "metadata": metadata}).encode())
        metadata = signed_message_metadata(TRUST_KEY, sender, "+355694109990", text)
        return post_raw(url, json.dumps({"sender": sender, "message": text,
                                         "metadata": metadata}).encode())

    return send


class SocketUser:
    """A socket.io client as the widget is: a session, then messages."""

    def __init__(self, url: str) -> None:
        import socketio

        self.said: list[dict] = []
        self.confirmed: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.said.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.client.connect(url, transports=["polling"], wait_timeout=10)
        self.client.emit("session_request", {"session_id": None})
        self._wait(lambda: self.confirmed)

    def _wait(self, condition: Callable[[], object], seconds: float = 60) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline or not self.client.connected:
                return False
            time.sleep(0.05)
        return True

    def say(self, text: str) -> tuple[int, str]:
        count = len(self.said)
        try:
            self.client.emit("user_uttered", {"message": text, "metadata": {"language": "en"}})
        except Exception as error:  # noqa: BLE001 (the answer is what is measured)
            return 0, type(error).__name__
        if not self._wait(lambda: len(self.said) > count, 30):
            return 0, "no answer; connected" if self.client.connected else "disconnected"
        time.sleep(0.5)
        return 200, " ".join(event.get("text", "") for event in self.said[count:])

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def socket_message(url: str, text: str) -> Callable[[], tuple[int, str]]:
    def send() -> tuple[int, str]:
        user = SocketUser(url)
        try:
            return user.say(text)
        finally:
            user.close()

    return send


def parse_unguarded(url: str, token: str, text: str) -> Callable[[], tuple[int, str]]:
    def send() -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{url}/model/parse?token={token}", data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
                return response.status, "parsed"
        except urllib.error.HTTPError as error:
            return error.code, "refused"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            return 0, type(error).__name__

    return send


def nested(depth: int) -> bytes:
    return b'{"sender": "bench-nested", "message": "hi", "metadata": ' + b"[" * depth + \
        b"]" * depth + b"}"


def cases(url: str, token: str) -> list[tuple[str, str, Callable[[], tuple[int, str]]]]:
    wide = {f"k{i}": "x" * 40 for i in range(16_000)}
    return [
        ("REST", "ordinary message (baseline)", rest(url, "hello")),
        ("REST", "text 1,001 chars", rest(url, "a" * 1001)),
        ("REST", "text 38 KB", rest(url, "a " * 19_000)),
        ("REST", "text 78 KB", rest(url, "a " * 39_000)),
        ("REST", "text 900 KB", rest(url, "a" * 900_000)),
        ("REST", "metadata 800 KB (16,000 keys)", rest(url, "hello", {"language": "en", **wide})),
        ("REST", "JSON nested 100,000 deep", lambda: post_raw(url, nested(100_000))),
        ("REST", "body 5 MB", lambda: post_large(url, 5_000_000)),
        ("REST", "body 50 MB", lambda: post_large(url, 50_000_000)),
        ("voice", "ordinary transcript (baseline)", voice(url, "hello")),
        ("voice", "signed transcript 5,000 chars", voice(url, "a " * 2_500)),
        ("voice", "signed transcript 78 KB", voice(url, "a " * 39_000)),
        ("socket.io", "ordinary message (baseline)", socket_message(url, "hello")),
        ("socket.io", "message 5,000 chars", socket_message(url, "a " * 2_500)),
        ("socket.io", "message 60 KB", socket_message(url, "a " * 30_000)),
        ("socket.io", "packet 1 MB", socket_message(url, "a" * 1_000_000)),
        (REFERENCE, "38 KB text straight to NLU (/model/parse)",
         parse_unguarded(url, token, "a " * 19_000)),
    ]


def measure(stack: Stack) -> list[dict[str, object]]:
    url = stack.config.rasa_url
    pids = {name: stack.processes[name].pid for name in ("rasa", "actions")}
    for _ in range(3):  # warm-up: NLU, actions and the socket.io channel have run once
        rest(url, "hello")()
        voice(url, "hello")()
        socket_message(url, "hello")()
    rows = []
    for channel, what, send in cases(url, stack.config.api_token):
        before = {name: rss_mb(pid) for name, pid in pids.items()}
        status, answer = send()
        time.sleep(1.0)
        after = {name: rss_mb(pid) for name, pid in pids.items()}
        row = {"channel": channel, "what": what, "status": status, "answer": answer[:90]}
        for name in pids:
            row[f"{name}_before"], row[f"{name}_delta"] = before[name], after[name] - before[name]
        rows.append(row)
        print(f"{channel:10} {what:42} {status:3}  rasa {before['rasa']:7.1f} "
              f"{row['rasa_delta']:+6.1f} MB  actions {before['actions']:6.1f} "
              f"{row['actions_delta']:+5.1f} MB  {answer[:60]!r}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    model = args.model or latest_model()
    if model is None:
        print("no trained model: run `bot train` first", file=sys.stderr)
        return 1
    started = datetime.datetime.now(datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="oversize-bench-") as folder:
        config = scratch_config(Path(folder), model, trust_key_hex=TRUST_KEY.hex())
        init_demo_bank(config)
        with running(config, timeout=900) as stack:  # a busy machine loads slowly
            rows = measure(stack)
    worst = max(max(row["rasa_delta"], row["actions_delta"])  # type: ignore[type-var]
                for row in rows if row["channel"] != REFERENCE)
    print(f"\n{started:%Y-%m-%d %H:%M} UTC, {platform.machine()}, model {model.name}; "
          f"largest RSS rise of one request: {worst:+.1f} MB (target < {LIMIT_MB:.0f} MB)")
    return 0 if worst < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
