"""The services as supervised child processes, by name: `bot run` (bot.ops.stack) and
`bot cluster` (bot.ops.cluster) start theirs here, and a look with `check()` starts a dead one
again when the restart rule (bot.ops.supervision) says so.

Each child runs in its own session (process group), so that stopping it ends whatever it
started too. Thread-safe: the cluster looks from a thread while tests or the operator stop parts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import suppress

from bot.ops.supervision import Restarts

Starter = Callable[[], subprocess.Popen]


class Children:
    """Named child processes; each is started by its `Starter`, again after it dies."""

    def __init__(self, restarts: Restarts | None = None) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts = restarts or Restarts()
        self._starters: dict[str, Starter] = {}
        self._held: set[str] = set()
        self._lock = threading.RLock()

    def start(self, name: str, starter: Starter) -> subprocess.Popen:
        with self._lock:
            self._starters[name] = starter
            self._held.discard(name)
            self.processes[name] = starter()
            self.restarts.started(name, time.monotonic())
            return self.processes[name]

    def check(self) -> list[str]:
        """One look: a dead child is started again after its delay; what was done, one line
        each, for the log."""
        with self._lock:
            now = time.monotonic()
            done = []
            for name, process in self.processes.items():
                code = process.poll()
                if code is not None and name not in self._held:
                    restart = self.restarts.exited(name, now)
                    if restart is not None:
                        done.append(restart.describe(code))
            for name in self.restarts.due(now):
                end_group(self.processes[name])  # whatever it left behind
                self.start(name, self._starters[name])
                done.append(f"{name} started again")
            return done

    def kill(self, name: str, *, hold: bool) -> None:
        """End `name` at once, as a crash would; with `hold`, it stays down until `release`."""
        with self._lock:
            if hold:
                self._held.add(name)
                self.restarts.forget(name)
            end_group(self.processes[name])

    def restart(self, name: str) -> subprocess.Popen:
        """Stop `name` (SIGTERM, then SIGKILL) and start it again now, as an operator would."""
        with self._lock:
            terminate(self.processes[name])
            return self.start(name, self._starters[name])

    def release(self, name: str) -> subprocess.Popen:
        """Start a held child again now."""
        with self._lock:
            return self.start(name, self._starters[name])

    def stop(self, order: list[str] | None = None,
             signal_for: Callable[[str], int] = lambda _: signal.SIGTERM,
             timeout: float = 15.0) -> None:
        """Stop every child (in `order`, by default the reverse of their start) and stop
        supervising them."""
        with self._lock:
            names = order or list(reversed(self.processes))
            self._held.update(names)
            for name in names:
                process = self.processes[name]
                if process.poll() is None:
                    with suppress(ProcessLookupError):
                        os.killpg(process.pid, signal_for(name))
            deadline = time.monotonic() + timeout
            for name in names:
                try:
                    self.processes[name].wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    end_group(self.processes[name])
            self.processes.clear()
            self._starters.clear()


def terminate(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM to a process started in its own session (and its children), SIGKILL if it has
    not ended within `timeout`."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        end_group(process)


def end_group(process: subprocess.Popen) -> None:
    """SIGKILL to the child's whole process group; reaped."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
