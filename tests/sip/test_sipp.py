"""Real SIP peers: sipp places a call and probes with OPTIONS against our stack on 127.0.0.1.

The user agent here is built from the protocol modules alone (transactions, 2xx retransmitter,
SDP answer), so these tests pin the protocol core apart from the gateway; the gateway itself
meets sipp and baresip in tests/sip/test_gateway.py and tests/sip/test_baresip.py.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.sip.message import SipRequest, build_response, new_tag
from bot.sip.options import options_response
from bot.sip.sdp import build_answer, parse_sdp
from bot.sip.transaction import Retransmitter, ServerTransactions, TimerSettings
from bot.sip.transport import Address, SipEndpoint, open_endpoint, response_address
from tests.support import free_port

DATA = Path(__file__).parent / "data"
TIMERS = TimerSettings(t1=0.1, t2=0.4, t4=0.5)

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp not installed")


class StandInUserAgent:
    """Answers INVITE with 180 and 200 (SDP), waits for the ACK, answers BYE and OPTIONS."""

    def __init__(self) -> None:
        self.endpoint: SipEndpoint | None = None
        self.transactions: ServerTransactions | None = None
        self.retransmitters: dict[str, Retransmitter] = {}
        self.log: list[str] = []
        self.media: list[object] = []

    async def start(self) -> Address:
        self.endpoint = await open_endpoint("127.0.0.1", 0, self.on_request)
        self.transactions = ServerTransactions(
            self.endpoint.send, asyncio.get_running_loop(), TIMERS
        )
        return self.endpoint.local_address

    def on_request(self, request: SipRequest, source: Address) -> None:
        assert self.transactions is not None and self.endpoint is not None
        incoming = self.transactions.receive(request, source)
        if incoming is None:
            return
        self.log.append(request.method)
        transaction = incoming.transaction
        if request.method == "ACK":
            retransmitter = self.retransmitters.pop(request.call_id, None)
            if retransmitter is not None:
                retransmitter.stop()
            return
        assert transaction is not None
        if request.method == "OPTIONS":
            transaction.respond(options_response(request))
        elif request.method == "INVITE":
            answer = build_answer(
                parse_sdp(request.body),
                address="127.0.0.1",
                port=free_port(),
                session_id=1,
                session_version=1,
            )
            assert answer is not None
            self.media.append(answer.audio)
            tag = new_tag()
            port = self.endpoint.local_address[1]
            transaction.respond(build_response(request, 180, to_tag=tag))
            ok = build_response(
                request,
                200,
                to_tag=tag,
                headers=[("Contact", f"<sip:bank@127.0.0.1:{port}>")],
                body=answer.sdp.to_bytes(),
                content_type="application/sdp",
            )
            transaction.respond(ok)
            data, destination = ok.to_bytes(), response_address(request, source)
            retransmitter = Retransmitter(
                lambda: self.endpoint.send(data, destination),  # type: ignore[union-attr]
                asyncio.get_running_loop(),
                TIMERS,
            )
            retransmitter.start()
            self.retransmitters[request.call_id] = retransmitter
        elif request.method == "BYE":
            transaction.respond(build_response(request, 200))
        else:
            transaction.respond(build_response(request, 501))


async def run_sipp(target: Address, *arguments: str, cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "sipp",
        f"{target[0]}:{target[1]}",
        *arguments,
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port()),
        "-mp",
        str(free_port()),
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "10s",
        "-timeout_error",
        "-trace_err",
        "-error_file",
        str(cwd / "errors.log"),
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    errors = (cwd / "errors.log").read_text() if (cwd / "errors.log").exists() else ""
    return process.returncode or 0, output.decode(errors="replace") + errors


def test_sipp_default_uac_call_completes(tmp_path: Path) -> None:
    async def main() -> tuple[int, str, StandInUserAgent]:
        agent = StandInUserAgent()
        address = await agent.start()
        try:
            code, output = await run_sipp(address, "-sn", "uac", cwd=tmp_path)
        finally:
            assert agent.endpoint is not None
            agent.endpoint.close()
        return code, output, agent

    code, output, agent = asyncio.run(main())
    assert code == 0, output[-3000:]
    assert agent.log == ["INVITE", "ACK", "BYE"]
    assert agent.retransmitters == {}  # the ACK stopped the 200's retransmissions
    (audio,) = agent.media
    assert audio.codec == "PCMU"  # type: ignore[attr-defined]


def test_sipp_options_probe_sees_allow_and_accept(tmp_path: Path) -> None:
    async def main() -> tuple[int, str]:
        agent = StandInUserAgent()
        address = await agent.start()
        try:
            return await run_sipp(address, "-sf", str(DATA / "options_uac.xml"), cwd=tmp_path)
        finally:
            assert agent.endpoint is not None
            agent.endpoint.close()

    code, output = asyncio.run(main())
    assert code == 0, output[-3000:]
