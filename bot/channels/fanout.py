"""Socket.io events across Rasa replicas: python-socketio's own Redis manager.

With one Rasa server (`bot run`) socket.io keeps its clients in process. With several replicas
(`bot cluster up`, HAProxy sticky by cookie) a customer's socket and an agent's socket may be
on different replicas: when `BOT_REDIS_HOST` is set (the topology's Redis, already there for the
lock store), every replica's socket.io server publishes its emits on one Redis channel and
delivers those of the others (`socketio.AsyncRedisManager`), so an agent's reply reaches the
customer and a new hand-off reaches every agent, whichever replica each is on.
"""

from __future__ import annotations

import os
from typing import Any

CHANNEL = "bank-webchat"


def redis_url() -> str | None:
    """The Redis the replicas share, from BOT_REDIS_HOST / BOT_REDIS_PORT; None if unset."""
    host = os.environ.get("BOT_REDIS_HOST", "").strip()
    if not host:
        return None
    return f"redis://{host}:{os.environ.get('BOT_REDIS_PORT', '6379').strip() or '6379'}/0"


def share_events(sio: Any) -> bool:
    """Give a new socket.io server (no client yet) the Redis manager when Redis is configured;
    returns whether it did. Otherwise the in-process manager stays."""
    url = redis_url()
    if url is None:
        return False
    import socketio

    manager = socketio.AsyncRedisManager(url, channel=CHANNEL)
    sio.manager = manager
    manager.set_server(sio)
    sio.manager_initialized = False  # initialised (its listener started) on the first client
    return True
