"""Rasa's Redis lock store made safe for several replicas, and prompt to hand a lock on.

Replicas share one lock store so that the messages of a conversation are processed one at a
time, in order, whichever replica receives them (deploy/endpoints.yml). Rasa's `RedisLockStore`
changes a conversation's ticket lock by reading it, changing it and writing it back: two replicas
doing so at once (one issuing a ticket while the other drops an expired one or finishes) lose a
ticket, both process a message of the same conversation, and one message vanishes from the
record (1 of 8 simultaneous messages on two replicas, measured). Here every change is one Redis
transaction (WATCH/MULTI, retried if the lock changed meanwhile).

Rasa's agent also waits for a taken lock by sleeping a fixed second between looks: a burst of
messages from one sender was served at about one a second, so that queued tickets expired. This
store looks every 50 ms (one small Redis read per waiting message per look).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

WAIT_SECONDS = 0.05
Result = TypeVar("Result")


class PromptRedisLockStore(RedisLockStore):
    """`RedisLockStore` configured as in endpoints.yml (`url` = the Redis host)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
             wait_time_in_seconds: float = WAIT_SECONDS) -> AbstractAsyncContextManager[Any]:
        return super().lock(conversation_id, lock_lifetime,
                            min(wait_time_in_seconds, WAIT_SECONDS))

    def _change(self, conversation_id: str,
                change: Callable[[TicketLock | None], tuple[TicketLock | None, Result]]) -> Result:
        """Apply `change` to the stored lock in one transaction; it returns the lock to keep
        (None: delete it) and a result."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    kept, result = change(lock)
                    pipe.multi()
                    if kept is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, kept.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # Rasa's own contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
