"""When a dead service is started again (bot/ops/supervision.py): at once, then less often."""

from __future__ import annotations

from bot.ops.supervision import RestartPolicy, Restarts


def test_a_dead_service_is_restarted_after_a_delay_that_doubles_up_to_a_cap() -> None:
    restarts = Restarts(RestartPolicy(first_delay_s=1, max_delay_s=4, healthy_after_s=60))
    restarts.started("actions", now=0)
    delays = []
    now = 0.0
    for _ in range(5):
        now += 0.5  # dies half a second after each start
        restart = restarts.exited("actions", now)
        assert restarts.due(now + restart.delay_s - 0.01) == []
        assert restarts.due(now + restart.delay_s) == ["actions"]
        delays.append((restart.delay_s, restart.count))
        now += restart.delay_s
        restarts.started("actions", now)
    assert delays == [(1, 1), (2, 2), (4, 3), (4, 4), (4, 5)]


def test_a_service_that_stayed_up_is_restarted_quickly_again() -> None:
    restarts = Restarts(RestartPolicy(first_delay_s=1, max_delay_s=30, healthy_after_s=60))
    restarts.started("rasa", now=0)
    assert restarts.exited("rasa", now=1).delay_s == 1
    restarts.started("rasa", now=2)
    assert restarts.exited("rasa", now=3).delay_s == 2
    restarts.started("rasa", now=5)
    assert restarts.exited("rasa", now=500).delay_s == 1  # up for minutes: healthy again


def test_one_death_is_one_decision_and_one_log_line() -> None:
    restarts = Restarts()
    restarts.started("sip", now=0)
    first = restarts.exited("sip", now=10)
    assert first is not None and "sip exited (code -9); restarting in 1 s" in first.describe(-9)
    assert restarts.exited("sip", now=10.5) is None  # seen again before the restart: no news
    assert restarts.due(11) == ["sip"]


def test_a_service_stopped_on_purpose_is_not_restarted() -> None:
    restarts = Restarts()
    restarts.started("postgres", now=0)
    restarts.exited("postgres", now=1)
    restarts.forget("postgres")
    assert restarts.due(100) == []
