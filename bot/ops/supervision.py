"""When to restart a service that died: the rule `bot run` and `bot cluster` both follow.

A child that exits is started again after a delay that doubles with each exit in a row (1 s,
2 s, 4 s ... at most 30 s), so a service that cannot start does not spin; a child that then
stays up for a minute counts as healthy again and its next exit is restarted after 1 s.
Logic only: `Restarts` takes what happened and the time and says what to do; the stack and the
cluster poll their processes and act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    healthy_after_s: float = 60.0


@dataclass(frozen=True)
class Restart:
    """A restart decided: `name` is started again at `at`, after `delay_s` (its `count`th
    restart in a row)."""

    name: str
    at: float
    delay_s: float
    count: int

    def describe(self, exit_code: int | None) -> str:
        return (f"{self.name} exited (code {exit_code}); restarting in {self.delay_s:g} s "
                f"(restart {self.count} in a row)")


@dataclass
class _Child:
    started_at: float
    in_a_row: int = 0
    pending: Restart | None = None


@dataclass
class Restarts:
    """The supervised children: their starts, exits and the restarts due."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    _children: dict[str, _Child] = field(default_factory=dict)

    def started(self, name: str, now: float) -> None:
        child = self._children.get(name)
        if child is None:
            self._children[name] = _Child(started_at=now)
        else:
            child.started_at, child.pending = now, None

    def exited(self, name: str, now: float) -> Restart | None:
        """`name` was found dead at `now`: when it will be started again (None: already
        decided at an earlier look)."""
        child = self._children.setdefault(name, _Child(started_at=now))
        if child.pending is not None:
            return None
        if now - child.started_at >= self.policy.healthy_after_s:
            child.in_a_row = 0
        child.in_a_row += 1
        delay = min(self.policy.first_delay_s * 2 ** (child.in_a_row - 1),
                    self.policy.max_delay_s)
        child.pending = Restart(name, now + delay, delay, child.in_a_row)
        return child.pending

    def due(self, now: float) -> list[str]:
        """The children whose restart time has come (started again by the caller)."""
        return [name for name, child in self._children.items()
                if child.pending is not None and child.pending.at <= now]

    def forget(self, name: str) -> None:
        """No longer supervised (stopped on purpose)."""
        self._children.pop(name, None)
