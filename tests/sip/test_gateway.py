"""The gateway against real SIP peers on loopback: sipp scenarios and hand-made datagrams."""

from __future__ import annotations

import asyncio
import random
import shutil
from pathlib import Path

import pytest

from bot.sip.message import SipResponse, parse_message
from tests.sip.caller import Caller
from tests.sip.gateway_support import RawPeer, RecordingSession, Sessions, start_gateway, tone
from tests.sip.mutations import mutate
from tests.sip.test_sipp import run_sipp

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp not installed")


def _responses(data: list[bytes]) -> list[SipResponse]:
    return [message for message in map(parse_message, data) if isinstance(message, SipResponse)]


def test_sipp_call_is_answered_and_hung_up_by_the_caller(tmp_path: Path) -> None:
    sessions = Sessions(greeting=tone(0.3))

    async def main() -> tuple[int, str]:
        gateway = await start_gateway(sessions)
        try:
            result = await run_sipp(gateway.address, "-sn", "uac", cwd=tmp_path)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return result
        finally:
            await gateway.stop()

    code, output = asyncio.run(main())
    assert code == 0, output[-3000:]
    (session,) = sessions.made
    assert session.ended_by == "caller_hangup"
    assert session.context.caller_id is None  # sipp's From is sip:sipp@127.0.0.1: no number


def test_cancel_before_answer_gets_487(tmp_path: Path) -> None:
    sessions = Sessions()

    async def main() -> tuple[int, str, list[str]]:
        gateway = await start_gateway(sessions, answer_delay=2.0)
        try:
            code, output = await run_sipp(
                gateway.address, "-sf", str(DATA / "cancel_uac.xml"), cwd=tmp_path)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return code, output, [record.outcome for record in gateway.records]
        finally:
            await gateway.stop()

    code, output, outcomes = asyncio.run(main())
    assert code == 0, output[-3000:]
    assert sessions.made == []  # never answered, no session
    assert outcomes == ["cancelled"]


def test_keys_by_rfc4733_and_info_reach_the_session(tmp_path: Path) -> None:
    sessions = Sessions()

    async def main() -> tuple[int, str]:
        gateway = await start_gateway(sessions)
        try:
            result = await run_sipp(
                gateway.address, "-sf", str(DATA / "keys_uac.xml"), cwd=tmp_path)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return result
        finally:
            await gateway.stop()

    code, output = asyncio.run(main())
    assert code == 0, output[-3000:]
    (session,) = sessions.made
    assert session.keys == ["4", "2", "7", "#"]
    assert session.context.caller_id == "+355691234567"


def test_options_malformed_and_unknown_dialogs() -> None:
    sessions = Sessions()

    async def main() -> dict[str, list[bytes]]:
        gateway = await start_gateway(sessions)
        peer = RawPeer()
        head = (
            f"Via: SIP/2.0/UDP 127.0.0.1:{peer.port};branch=z9hG4bK{{b}};rport\r\n"
            f"From: <sip:+355691234567@127.0.0.1>;tag=abc\r\n"
            "To: <sip:bank@127.0.0.1>{to}\r\nCall-ID: {call}\r\nCSeq: 1 {method}\r\n"
        )

        def request(method: str, branch: str, *, to: str = "", call: str = "x1",
                    max_forwards: str = "70") -> bytes:
            return (f"{method} sip:bank@127.0.0.1 SIP/2.0\r\n"
                    + head.format(b=branch, to=to, call=call, method=method)
                    + f"Max-Forwards: {max_forwards}\r\nContent-Length: 0\r\n\r\n").encode()

        try:
            results = {
                "options": await peer.exchange(request("OPTIONS", "o1"), gateway.address),
                "garbage": await peer.exchange(b"\x00\xffhello", gateway.address, wait=0.3),
                "bad": await peer.exchange(request("OPTIONS", "o2", max_forwards="x"),
                                           gateway.address),
                "bye": await peer.exchange(request("BYE", "b1", to=";tag=nope"),
                                           gateway.address),
                "info": await peer.exchange(request("INFO", "i1", to=";tag=nope"),
                                            gateway.address),
                "cancel": await peer.exchange(request("CANCEL", "c1"), gateway.address),
                "message": await peer.exchange(request("MESSAGE", "m1"), gateway.address),
                "again": await peer.exchange(request("OPTIONS", "o3"), gateway.address),
            }
        finally:
            peer.close()
            await gateway.stop()
        return results

    results = asyncio.run(main())
    options = _responses(results["options"])
    assert [r.status for r in options] == [200]
    assert "REFER" in (options[0].headers.get("Allow") or "")
    assert results["garbage"] == []
    assert [r.status for r in _responses(results["bad"])] == [400]
    assert [r.status for r in _responses(results["bye"])] == [481]
    assert [r.status for r in _responses(results["info"])] == [481]
    assert [r.status for r in _responses(results["cancel"])] == [481]
    assert [r.status for r in _responses(results["message"])] == [405]
    assert [r.status for r in _responses(results["again"])] == [200]


async def _transfer_on_zero(session: RecordingSession, key: str) -> None:
    if key != "0":
        return
    result = await session.output.transfer("agent")
    session.transfers.append(result)
    if result == "failed":
        await session.output.hangup()  # the real session apologises first


@pytest.mark.parametrize(("final", "expected"), [("200 OK", "transferred"),
                                                  ("486 Busy Here", "failed")])
def test_transfer_by_refer_follows_the_notify(tmp_path: Path, final: str, expected: str) -> None:
    sessions = Sessions(on_key=_transfer_on_zero)

    async def main() -> tuple[int, str, list[str]]:
        gateway = await start_gateway(sessions)
        try:
            code, output = await run_sipp(gateway.address, "-sf", str(DATA / "refer_uac.xml"),
                                          "-key", "final", final, cwd=tmp_path)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return code, output, [record.outcome for record in gateway.records]
        finally:
            await gateway.stop()

    code, output, outcomes = asyncio.run(main())
    assert code == 0, output[-3000:]
    (session,) = sessions.made
    assert session.transfers == [expected]
    assert outcomes == ["transferred" if expected == "transferred" else "bot_hangup"]


def test_rfc4733_keys_from_a_scripted_phone_and_rtp_timeout() -> None:
    sessions = Sessions(greeting=tone(0.2))

    async def main() -> tuple[Caller, list[str]]:
        gateway = await start_gateway(sessions, rtp_timeout=1.0)
        caller = Caller(gateway.address, number="0694102031")
        try:
            await caller.call()
            await caller.press_all("1234*#")
            await asyncio.sleep(0.3)
            caller._stream.cancel()  # the line goes dead: no more RTP
            await asyncio.wait_for(caller.bye_received.wait(), 5)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return caller, [record.outcome for record in gateway.records]
        finally:
            caller.close()
            await gateway.stop()

    caller, outcomes = asyncio.run(main())
    (session,) = sessions.made
    assert session.keys == list("1234*#")
    assert session.context.caller_id == "+355694102031"  # national number normalised
    assert session.played == [True]
    assert len(caller.audio()) >= 1600  # the greeting reached the phone
    assert outcomes == ["rtp_timeout"]


def test_reinvite_is_answered_with_the_same_media_or_refused_with_488() -> None:
    sessions = Sessions()

    async def main() -> list[SipResponse]:
        gateway = await start_gateway(sessions)
        caller = Caller(gateway.address)
        peer = RawPeer()
        try:
            await caller.call()
            answers = []
            for formats in ("0 101", "18"):  # the same codec; then G.729 only
                sdp = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                       f"m=audio {caller.rtp_port} RTP/AVP {formats}\r\n").encode()
                invite = caller._request("INVITE", caller._remote_target, caller._to, body=sdp,
                                         content_type="application/sdp")
                invite.headers.set("Via", f"SIP/2.0/UDP 127.0.0.1:{peer.port};branch="
                                   f"{invite.top_via.branch}")
                # (a short wait: our 2xx repeats every 0.1-0.4 s until this ACK)
                received = await peer.exchange(invite.to_bytes(), gateway.address, wait=0.15)
                finals = [r for r in _responses(received) if r.status >= 200]
                answers.append(finals[0])
                ack = caller._request("ACK", caller._remote_target, caller._to,
                                      cseq=invite.cseq.number)
                ack.headers.set("Via", invite.headers.get("Via") or "")
                await peer.exchange(ack.to_bytes(), gateway.address, wait=0.1)
            await caller.hangup()
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return answers
        finally:
            peer.close()
            caller.close()
            await gateway.stop()

    ok, refused = asyncio.run(main())
    assert ok.status == 200 and b"m=audio" in ok.body
    assert refused.status == 488
    (session,) = sessions.made
    assert session.ended_by == "caller_hangup"  # the call survived both


def test_mutated_invites_never_stop_the_gateway() -> None:
    """300 mutations of real INVITEs (baresip's, sipp's): each is answered, refused or dropped,
    and the gateway still answers OPTIONS and calls afterwards."""
    seeds = [(DATA / name).read_bytes() for name in ("baresip_invite.sip", "sipp_uac_invite.sip")]
    sessions = Sessions()

    async def main() -> tuple[list[SipResponse], int]:
        gateway = await start_gateway(sessions, answer_delay=0.0, max_calls=1000)
        peer = RawPeer()
        rng = random.Random(5060)
        loop = asyncio.get_running_loop()
        try:
            for index in range(300):
                data = mutate(seeds[index % 2], rng)
                peer.sock.sendto(data, gateway.address)
                if index % 50 == 0:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.5)
            probe = (f"OPTIONS sip:bank@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                     f"{peer.port};branch=z9hG4bKprobe\r\nFrom: <sip:p@127.0.0.1>;tag=p\r\n"
                     "To: <sip:bank@127.0.0.1>\r\nCall-ID: probe\r\nCSeq: 1 OPTIONS\r\n"
                     "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()
            while True:  # drain what the mutations got back (calls made get 2xx repeats)
                try:
                    await asyncio.wait_for(loop.sock_recv(peer.sock, 65535), 0.2)
                except TimeoutError:
                    break
            answer = [response for response in
                      _responses(await peer.exchange(probe, gateway.address, wait=0.3))
                      if response.call_id == "probe"]
            caller = Caller(gateway.address)
            await caller.call()
            await caller.hangup()
            return answer, len(gateway.calls)
        finally:
            peer.close()
            await gateway.stop()

    answer, _ = asyncio.run(main())
    assert [response.status for response in answer] == [200]


def test_refer_carries_a_user_to_user_reference_to_the_conversation() -> None:
    """RFC 7433: the Refer-To URI embeds a User-to-User header for the agent's phone, holding a
    one-way reference to the conversation: never its id, the caller's number or a key."""
    from bot.sip.message import parse_name_addr
    from bot.sip.refer import conversation_reference

    sessions = Sessions(on_key=_transfer_on_zero)

    async def main() -> Caller:
        gateway = await start_gateway(sessions, queues={"agent": "sip:agent@127.0.0.1:5070"})
        caller = Caller(gateway.address, number="+355691234567")
        try:
            await caller.call()
            await caller.press_all("40")
            await asyncio.wait_for(caller.bye_received.wait(), 5)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return caller
        finally:
            caller.close()
            await gateway.stop()

    caller = asyncio.run(main())
    (session,) = sessions.made
    assert session.transfers == ["transferred"]
    (refer_to,) = caller.refer_to
    uri = parse_name_addr(refer_to).uri
    assert (uri.user, uri.host, uri.port) == ("agent", "127.0.0.1", 5070)
    reference = conversation_reference(session.context.conversation_id)
    assert refer_to.endswith(f"?User-to-User={reference}%3Bencoding%3Dhex"
                             "%3Bpurpose%3Dconversation-ref>")
    assert session.context.conversation_id.startswith("voice-")
    for secret in (session.context.conversation_id, "+355691234567", "355691234567", "40"):
        assert secret not in refer_to.replace(reference, "")
