"""A customer never gets silence: what the Rasa server answers when a part behind it fails.

Rasa, when an action fails (the action server is down, answers an error or the bank's
"temporarily unavailable" 503, or takes too long), logs the action with no events and sends
nothing; when the conversation store fails, it carries on in memory (a fresh conversation, a
turn answered but never stored); when the lock store fails, the channel's request fails. Here
all end in the same answer, defined once (`bot.channels.apology`), in the customer's language:

- **an action failed** (`KeptTurnProcessor`): the customer hears the apology, then the question
  they were at again (the last menu or digit prompt, with its payload, so the phone and the web
  chat carry on from it). The turn is taken back with `UserUtteranceReverted`: the conversation
  is where it was before the message (same menu, same form question, no slot changed, no
  attempt counted), so the same message can simply be sent again. The message and the apology
  stay in the record. Actions that write records (complaints, hand-offs) are idempotent per
  conversation, so a retry after a write whose answer was lost writes nothing twice.
- **a store failed** (`deliver`, used by the REST and web chat channels): nothing of the turn
  could be read or kept, so the answer is the apology alone; on REST, replies produced before a
  failed save are withheld, so nothing answered is missing from the record.

Every action call is bounded (`ACTION_TIMEOUT_S`), so a hung action server costs a customer
seconds, not minutes. The Rasa server gets this processor from `bot.ops.rasa_server`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.actions.action import Action, ActionExecutionRejection
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    BotUttered,
    Event,
    FollowupAction,
    UserUtteranceReverted,
    UserUttered,
)

from bot.channels.apology import apology
from bot.payloads import CollectPayload, MenuPayload, read_payload

logger = logging.getLogger(__name__)

# Longest wait for one action (the bank's own waits are bounded well below: bot.bank.db).
ACTION_TIMEOUT_S = float(os.environ.get("BOT_ACTION_TIMEOUT_S", "15"))


def last_question(events: list[Event]) -> BotUttered | None:
    """The last menu or digit prompt the assistant sent before the latest user message."""
    latest_user = max((index for index, event in enumerate(events)
                       if isinstance(event, UserUttered)), default=len(events))
    for event in reversed(events[:latest_user]):
        if isinstance(event, BotUttered) and isinstance(
                read_payload((event.data or {}).get("custom")), MenuPayload | CollectPayload):
            return event
    return None


def turn_taken_back(tracker: Any) -> list[Event]:
    """The apology, the question again, and the turn undone so that it can be sent again."""
    events: list[Event] = [UserUtteranceReverted(),
                           BotUttered(apology(tracker.get_slot("language")))]
    question = last_question(list(tracker.applied_events()))
    if question is not None:
        events.append(BotUttered(question.text, dict(question.data or {}), question.metadata))
    return [*events, FollowupAction(ACTION_LISTEN_NAME)]


class _KeptAction(Action):
    """An action whose failure ends in `turn_taken_back` instead of silence."""

    def __init__(self, action: Action, timeout: float) -> None:
        self._action = action
        self._timeout = timeout

    def name(self) -> str:
        return self._action.name()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._action, attribute)

    def event_for_successful_execution(self, prediction: Any) -> Any:
        return self._action.event_for_successful_execution(prediction)

    async def run(self, output_channel: OutputChannel, nlg: Any, tracker: Any,
                  domain: Any) -> list[Event]:
        try:
            return await asyncio.wait_for(
                self._action.run(output_channel, nlg, tracker, domain), self._timeout)
        except ActionExecutionRejection:
            raise  # a form declining a message: Rasa's normal flow
        except Exception as error:  # noqa: BLE001 (whatever failed, the customer hears us)
            logger.error("action %s failed (%s: %s); the customer is asked to try again",
                         self.name(), type(error).__name__, error)
            if self.name() == ACTION_SESSION_START_NAME:
                return []  # no user turn yet: the message's own actions answer it
            return turn_taken_back(tracker)


class TurnNotKept(RuntimeError):
    """The turn was processed but could not be saved: its answer must not be given."""

    def __init__(self, language: Any) -> None:
        super().__init__("the conversation could not be saved")
        self.language = language


def _fail_loudly(error: Exception) -> None:
    raise error


class KeptTurnProcessor(MessageProcessor):
    """Rasa's processor, with every action run as a `_KeptAction`, and a conversation store
    that fails loudly.

    Rasa wraps the store in a `FailSafeTrackerStore`, which on an error carries on in memory:
    a conversation it cannot read starts afresh (a customer in the accounts menu gets the main
    menu), and a turn it cannot save is answered but never recorded. Here an error of the store
    reaches the channel, which apologises (`deliver`): nothing is answered that is not kept.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.tracker_store, FailSafeTrackerStore):
            self.tracker_store._on_tracker_store_error = _fail_loudly

    async def save_tracker(self, tracker: Any) -> None:
        try:
            await super().save_tracker(tracker)
        except Exception as error:
            raise TurnNotKept(tracker.get_slot("language")) from error

    async def _run_action(self, action: Action, tracker: Any, output_channel: OutputChannel,
                          nlg: Any, prediction: Any) -> bool:
        if action.name() != ACTION_LISTEN_NAME:
            action = _KeptAction(action, ACTION_TIMEOUT_S)
        return await super()._run_action(action, tracker, output_channel, nlg, prediction)


async def deliver(on_new_message: Callable[[UserMessage], Awaitable[Any]],
                  message: UserMessage, language: Any = None) -> None:
    """Hand `message` to the assistant; if that fails (a store is down), the apology in
    `language` (the channel's best knowledge; every language when unknown) instead."""
    output = message.output_channel
    try:
        await on_new_message(message)
    except Exception as error:  # noqa: BLE001
        logger.error("message of %s not processed (%s: %s); apologised",
                     message.sender_id, type(error).__name__, error.__cause__ or error)
        if isinstance(error, TurnNotKept):
            language = error.language  # the conversation's, read before the save failed
        if isinstance(output, CollectingOutputChannel):
            output.messages.clear()  # not kept in the record: not given either
        await output.send_text_message(message.sender_id, apology(language))


def install() -> None:
    """Make the Rasa server of this process build its agent with `KeptTurnProcessor`."""
    import rasa.core.agent

    rasa.core.agent.MessageProcessor = KeptTurnProcessor  # type: ignore[misc]
