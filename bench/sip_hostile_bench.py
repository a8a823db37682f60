"""SIP under attack (issue 11, items 1 and 5): fuzz, flood, RTP bleed, reflection. Loopback only.

    .venv/bin/python bench/sip_hostile_bench.py [--fuzz 20000] [--t1 0.5]

The gateway runs in a child process (this script with `--serve`), with its default limits and
trusted peers (loopback 127.0.0.1 only); attackers and callers use other loopback addresses
(127.0.0.2 ...), i.e. untrusted peers. Reported, each with its baseline from the same run:

- fuzz: N mutated real messages (INVITE, OPTIONS, in-dialog INFO/BYE/re-INVITE) sent from a
  trusted peer (so that every one reaches the parser and the call layer) and from an untrusted
  one (limited): responses by status, 500s, whether the gateway still answers, its RSS after a
  warm-up and after the run;
- flood: one source holds 50 ringing INVITEs (never ACKed, re-sent) while 19 callers from 19
  other addresses call: calls answered, against the same 19 calls without the flood;
- RTP bleed: a third socket sends audio and RFC 4733 keys to a live call's RTP port: packets it
  receives and keys that reach the session, against the caller's own;
- reflection: one INVITE never ACKed: bytes back for bytes in over 64*T1, and BYEs sent.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sip.message import SipResponse, parse_message  # noqa: E402
from bot.voice.call_io import CallerHangup, CallerKey  # noqa: E402
from tests.sip.caller import Caller  # noqa: E402
from tests.sip.mutations import mutate  # noqa: E402

DATA = ROOT / "tests" / "sip" / "data"


# --- the gateway (child process) -----------------------------------------------------------

class KeySession:
    """Counts the keys that reach it; plays nothing."""

    keys: collections.Counter[str] = collections.Counter()

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id

    async def run(self, events: asyncio.Queue) -> None:
        while True:
            event = await events.get()
            if isinstance(event, CallerHangup):
                return
            if isinstance(event, CallerKey):
                KeySession.keys[self.call_id] += 1


async def serve(port: int, t1: float) -> None:
    from dataclasses import replace

    from bot.sip.config import GatewayConfig
    from bot.sip.gateway import SipGateway
    from bot.sip.transaction import TimerSettings

    config = replace(GatewayConfig.from_env({}), port=port, rtp_ports=(30000, 39999),
                     timers=TimerSettings(t1=t1, t2=8 * t1, t4=10 * t1))
    gateway = SipGateway(config, lambda context, output: KeySession(context.call_id),
                         answer_delay=0.2)
    await gateway.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        assert gateway.endpoint is not None and gateway.transactions is not None
        print(json.dumps({"keys": dict(KeySession.keys), "calls": len(gateway.calls),
                          "limited": gateway.endpoint.limited,
                          "transactions": len(gateway.transactions),
                          "outcomes": collections.Counter(r.outcome for r in gateway.records)}),
              flush=True)
    await gateway.stop()


# --- the attackers (this process) ----------------------------------------------------------

class Child:
    def __init__(self, port: int, t1: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--t1", str(t1)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.DEVNULL)
        assert self.process.stdout is not None and self.process.stdin is not None
        assert self.process.stdout.readline().strip() == "ready"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stats(self) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


class Udp(asyncio.DatagramProtocol):
    """A loopback UDP socket that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.received.append(data)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    def sendto(self, data: bytes, target: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, target)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def udp(host: str) -> Udp:
    _, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        Udp, local_addr=(host, 0))
    return protocol


async def collect(sock: Udp, seconds: float) -> list[bytes]:
    await asyncio.sleep(seconds)
    return sock.received


def statuses(data: list[bytes]) -> collections.Counter[int]:
    counts: collections.Counter[int] = collections.Counter()
    for item in data:
        try:
            message = parse_message(item)
        except ValueError:
            continue
        if isinstance(message, SipResponse):
            counts[message.status] += 1
    return counts


def invite(host: str, port: int, call_id: str, target: tuple[str, int]) -> bytes:
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
           "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n").encode()
    return (f"INVITE sip:bank@{target[0]}:{target[1]} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{call_id};rport\r\n"
            f"From: <sip:+355691234567@{host}>;tag=t{call_id}\r\nTo: <sip:bank@{target[0]}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:x@{host}:{port}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n").encode() + sdp


def fuzz_seeds(host: str, port: int, target: tuple[str, int]) -> list[bytes]:
    via = f"SIP/2.0/UDP {host}:{port};branch=z9hG4bKSEED;rport".encode()
    seeds = []
    for name in ("baresip_invite.sip", "sipp_uac_invite.sip"):
        lines = (DATA / name).read_bytes().split(b"\r\n")
        seeds.append(b"\r\n".join(b"Via: " + via if line.lower().startswith(b"via:") else line
                                  for line in lines))
    head = (f"Via: {via.decode()}\r\nFrom: <sip:+355691234567@{host}>;tag=f1\r\n"
            f"To: <sip:bank@{target[0]}>;tag=t1\r\nCall-ID: fuzz-dialog\r\nMax-Forwards: 70\r\n")
    for method, body, kind in (("INFO", "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay"),
                               ("BYE", "", ""), ("OPTIONS", "", ""),
                               ("NOTIFY", "SIP/2.0 200 OK\r\n", "message/sipfrag")):
        typed = f"Content-Type: {kind}\r\n" if kind else ""
        seeds.append((f"{method} sip:bank@{target[0]} SIP/2.0\r\n{head}CSeq: 7 {method}\r\n"
                      f"{typed}Content-Length: {len(body)}\r\n\r\n{body}").encode())
    return seeds


async def fuzz(target: tuple[str, int], host: str, count: int, seed: int) -> dict:
    sock = await udp(host)
    seeds = fuzz_seeds(host, sock.port, target)
    rng = random.Random(seed)
    started = time.monotonic()
    for index in range(count):
        data = mutate(seeds[index % len(seeds)], rng).replace(b"SEED", f"{seed}x{index}".encode())
        sock.sendto(data, target)
        if index % 10 == 0:
            await asyncio.sleep(0.001)
    await asyncio.sleep(2.0)
    sock.close()
    counts = statuses(sock.received)
    return {"sent": count, "seconds": round(time.monotonic() - started, 1),
            "responses": sum(counts.values()), "500": counts.get(500, 0),
            "by_status": dict(sorted(counts.items()))}


async def probe(target: tuple[str, int]) -> bool:
    sock = await udp("127.0.0.1")
    port = sock.port
    sock.sendto((f"OPTIONS sip:bank@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};"
                 "branch=z9hG4bKprobe;rport\r\nFrom: <sip:p@127.0.0.1>;tag=p\r\n"
                 "To: <sip:bank@127.0.0.1>\r\nCall-ID: probe\r\nCSeq: 1 OPTIONS\r\n"
                 "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode(), target)
    answer = statuses(await collect(sock, 1.0))
    sock.close()
    return answer.get(200, 0) > 0


async def legitimate_calls(target: tuple[str, int], count: int) -> int:
    async def one(index: int) -> bool:
        caller = Caller(target, number=None, host=f"127.0.1.{index + 1}")
        try:
            await caller.call(timeout=8)
            await asyncio.sleep(0.5)
            await caller.hangup()
            return True
        except Exception:  # noqa: BLE001 - any failure is a refused call
            return False
        finally:
            if hasattr(caller, "_sip"):
                caller.close()

    results = await asyncio.gather(*(one(index) for index in range(count)))
    return sum(results)


async def flood(target: tuple[str, int], callers: int) -> dict:
    baseline = await legitimate_calls(target, callers)
    sock = await udp("127.0.0.2")
    port = sock.port
    stop = asyncio.Event()

    async def hold() -> None:
        round_ = 0
        while not stop.is_set():
            for number in range(50):
                sock.sendto(invite("127.0.0.2", port, f"flood{round_}-{number}", target), target)
            round_ += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 3.0)

    holder = asyncio.ensure_future(hold())
    await asyncio.sleep(1.0)
    answered = await legitimate_calls(target, callers)
    stop.set()
    await holder
    sock.close()
    return {"callers": callers, "answered_without_flood": baseline,
            "answered_under_flood": answered, "refused_under_flood": callers - answered}


async def bleed(target: tuple[str, int], child: Child) -> dict:
    from bot.sip.rtp import RtpPacket, RtpSender
    from bot.sip.telephone_events import TelephoneEvent

    caller = Caller(target, number=None, host="127.0.0.1")
    await caller.call()
    await asyncio.sleep(0.3)
    thief = await udp("127.0.0.4")
    sender = RtpSender(0)
    for step in range(50):  # 1 s of audio, and a key every 10 packets
        thief.sendto(sender.packet(b"\xff" * 160).to_bytes(), caller._media_to)
        if step % 10 == 0:
            for repeat in range(3):
                event = TelephoneEvent(9, repeat > 0, 10, 800).to_bytes()
                packet = RtpPacket(101, sender.sequence + repeat, sender.timestamp, sender.ssrc,
                                   event)
                thief.sendto(packet.to_bytes(), caller._media_to)
            sender.sequence += 3
        await asyncio.sleep(0.02)
    stolen = await collect(thief, 0.5)
    await caller.press_all("12")
    await asyncio.sleep(0.5)
    keys = child.stats()["keys"].get(caller.call_id, 0)
    heard = len(caller.heard)
    await caller.hangup()
    thief.close()
    return {"packets_to_third_socket": len(stolen), "keys_injected": keys - 2,
            "caller_keys_received": keys, "packets_to_caller": heard}


async def reflection(target: tuple[str, int], t1: float) -> dict:
    sock = await udp("127.0.0.5")
    data = invite("127.0.0.5", sock.port, "reflect", target)
    sock.sendto(data, target)
    received = await collect(sock, 64 * t1 + 3)
    sock.close()
    back = sum(len(item) for item in received)
    return {"bytes_in": len(data), "bytes_back": back, "factor": round(back / len(data), 1),
            "byes": sum(item.startswith(b"BYE ") for item in received),
            "by_status": dict(statuses(received))}


async def main(args: argparse.Namespace) -> dict:
    from tests.support import free_port

    port = free_port()
    child = Child(port, args.t1)
    target = ("127.0.0.1", port)
    try:
        await fuzz(target, "127.0.0.1", 500, 1)  # warm-up
        await asyncio.sleep(64 * args.t1)  # the warm-up's transactions end
        rss_before = child.rss_mb()
        trusted = await fuzz(target, "127.0.0.1", args.fuzz, 2)
        untrusted = await fuzz(target, "127.0.0.3", args.fuzz // 4, 3)
        await asyncio.sleep(64 * args.t1 + 2)
        rss_after = child.rss_mb()
        results = {
            "machine": f"{os.cpu_count()} cores, {os.uname().machine}",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
            "fuzz_trusted": trusted, "fuzz_untrusted": untrusted,
            "still_answers": await probe(target), "alive": child.alive(),
            "rss_mb_after_warm_up": round(rss_before, 1), "rss_mb_after_fuzz": round(rss_after, 1),
            "flood": await flood(target, 19),
        }
        print(json.dumps(results), file=sys.stderr, flush=True)
        results |= {
            "bleed": await bleed(target, child),
            "reflection": await reflection(target, args.t1),
            "gateway": child.stats(),
        }
    finally:
        child.stop()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", type=int)
    parser.add_argument("--fuzz", type=int, default=20_000)
    parser.add_argument("--t1", type=float, default=0.5)
    arguments = parser.parse_args()
    if arguments.serve is not None:
        asyncio.run(serve(arguments.serve, arguments.t1))
    else:
        print(json.dumps(asyncio.run(main(arguments)), indent=2))
