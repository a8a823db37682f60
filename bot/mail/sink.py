"""A local SMTP server for development and tests: every message is saved as a .eml file.

`bot smtp-sink` runs it; `bot run` starts it unless BOT_SMTP_HOST points at a real relay.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Writes each received message to `<folder>/<time>-<id>.eml`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, folder: Path) -> None:
    """Run the sink until interrupted."""
    controller = Controller(MaildirHandler(folder), hostname=host, port=port)
    controller.start()
    print(f"SMTP sink on {host}:{port}, saving mail to {folder}", flush=True)
    try:
        asyncio.run(_forever())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


async def _forever() -> None:
    while True:
        await asyncio.sleep(3600)
