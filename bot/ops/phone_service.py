"""`bot sip`: the gateway as a service, each call talking to the assistant through a
`VoiceSession` (speech synthesis and recognition shared by all calls of the process).

Composed here, in ops, so that `bot.sip` never imports the voice dialogue."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from bot.sip.call import CallContext, Session, SessionFactory
from bot.sip.config import GatewayConfig
from bot.sip.gateway import SipGateway
from bot.voice.call_io import CallOutput

log = logging.getLogger(__name__)


def voice_session_factory(assistant: Any, services: Any) -> SessionFactory:
    """Each answered call gets a `VoiceSession` with the caller's number (None if withheld) and
    the call's conversation id (the REFER's User-to-User refers to it)."""
    from bot.voice.session import VoiceSession

    def make(context: CallContext, output: CallOutput) -> Session:
        return VoiceSession(assistant=assistant, output=output, caller_id=context.caller_id,
                            services=services, conversation_id=context.conversation_id or None)

    return make


async def serve(config: GatewayConfig, rasa_url: str | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Answer calls until `stop` is set (or SIGINT/SIGTERM); then hang up and clean up."""
    from bot.voice.assistant import AssistantClient
    from bot.voice.services import VoiceServices

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    services = VoiceServices.from_env()
    assistant = AssistantClient.from_env(rasa_url)
    gateway = SipGateway(config, voice_session_factory(assistant, services))
    try:
        await services.warm_up(8000)
        host, port = await gateway.start()
        print(f"SIP gateway ready: sip:{config.user}@{host}:{port} (UDP), "
              f"assistant {assistant.rasa_url}", flush=True)
        await stop.wait()
    finally:
        await gateway.stop()
        await assistant.close()
        services.close()


def run(config: GatewayConfig, rasa_url: str | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(config, rasa_url))
    return 0
