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

- The token-only HTTP API (with the token, as the operator or whoever stole it): a 38 KB text
  to `/model/parse` (before its guard, bot/channels/api_guard.py: 200 and +5.5 GB) and to
  `/conversations/<id>/messages`.

- Floods from one address (what `bot run`, loopback only, meets with no edge in front; the HTTP
  edge bounds them per source): 2,000 socket.io sessions opened and left; 3,000 idle
  connections; 300 slow senders trickling a header line every 5 s for 60 s. For each, whether
  an ordinary REST turn is answered meanwhile, and how many connections the server still holds.

Bounded: about 25 requests and the three floods (about 2 min), all to 127.0.0.1; the stack stops
at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import platform
import socket
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


def api(url: str, token: str, path: str, body: dict[str, str]) -> Callable[[], tuple[int, str]]:
    def send() -> tuple[int, str]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{url}{path}?token={token}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
                return response.status, "accepted"
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()).get("reason", "refused")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            return 0, type(error).__name__

    return send


def _turn_answered(url: str) -> str:
    started = time.monotonic()
    status, _ = rest(url, "/greet")()
    return f"turn {status} in {time.monotonic() - started:.1f} s"


def socketio_sessions(url: str, count: int) -> Callable[[], tuple[int, str]]:
    """`count` engine.io handshakes (a session each, never polled again: it lives ~45 s)."""
    def send() -> tuple[int, str]:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        opened = 0
        for _ in range(count):
            connection.request("GET", "/socket.io/?EIO=4&transport=polling")
            response = connection.getresponse()
            opened += response.status == 200 and b'"sid"' in response.read()
        connection.close()
        return 200, f"{opened} sessions opened; {_turn_answered(url)}"

    return send


def _still_open(connection: socket.socket) -> bool:
    """Whether the server has neither answered nor closed the connection."""
    connection.setblocking(False)
    try:
        connection.recv(1)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def held_connections(url: str, count: int, trickle_seconds: float = 0
                     ) -> Callable[[], tuple[int, str]]:
    """`count` connections from one address: idle, or (with `trickle_seconds`) each sending a
    request line and then a header line every 5 s, never finishing its request."""
    def send() -> tuple[int, str]:
        host, port = url.removeprefix("http://").split(":")
        held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(count)]
        try:
            deadline = time.monotonic() + trickle_seconds
            line = b"POST /webhooks/rest/webhook HTTP/1.1\r\n"
            while trickle_seconds:
                alive = []
                for connection in held:
                    with contextlib.suppress(OSError):
                        connection.sendall(line)
                        alive.append(connection)
                held, line = alive, b"X-Slow: 1\r\n"
                if time.monotonic() > deadline:
                    break
                time.sleep(5)
            answered = _turn_answered(url)
            return 200, f"{sum(map(_still_open, held))} of {count} still open; {answered}"
        finally:
            for connection in held:
                connection.close()

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
        ("flood", "2,000 socket.io sessions from one address",
         socketio_sessions(url, 2000)),
        ("flood", "3,000 idle connections from one address", held_connections(url, 3000)),
        ("flood", "300 slow senders for 60 s (a header line / 5 s)",
         held_connections(url, 300, trickle_seconds=60)),
        ("API", "ordinary text to /model/parse (baseline)",
         api(url, token, "/model/parse", {"text": "hello"})),
        ("API", "38 KB text to /model/parse", api(url, token, "/model/parse",
                                                  {"text": "a " * 19_000})),
        ("API", "38 KB text to /conversations/<id>/messages",
         api(url, token, f"/conversations/bench-{uuid.uuid4().hex}/messages",
             {"text": "a " * 19_000, "sender": "user"})),
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
                for row in rows)
    print(f"\n{started:%Y-%m-%d %H:%M} UTC, {platform.machine()}, model {model.name}; "
          f"largest RSS rise of one request: {worst:+.1f} MB (target < {LIMIT_MB:.0f} MB)")
    return 0 if worst < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
