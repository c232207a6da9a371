"""Stop signals, in this process: the first raises, a teardown is not cut short by one, a second
(or a teardown that takes too long) forces, and SIGINT works even when it was ignored."""

from __future__ import annotations

import os
import signal
import time

import pytest

from harness.stop_signals import Interrupted, handling_stop_signals


class Forced(Exception):
    pass


def fake_force(reason: str) -> None:
    raise Forced(reason)


def test_the_first_signal_raises_interrupted_even_if_sigint_was_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a background job of `sh -c`
    try:
        with pytest.raises(Interrupted) as raised, handling_stop_signals(fake_force) as stops:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs before this returns
        assert raised.value.signal_name == "SIGINT" and stops.received == "SIGINT"
        assert isinstance(raised.value, KeyboardInterrupt)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # restored afterwards
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_during_teardown_waits_for_it_and_a_second_one_forces():
    torn_down = []
    with pytest.raises(Interrupted), handling_stop_signals(fake_force) as stops:
        with stops.shielded():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            torn_down.append("all of it")  # not cut short
        pytest.fail("the signal noted during the teardown must be raised after it")
    assert torn_down == ["all of it"]
    with (
        pytest.raises(Forced, match="SIGTERM again while stopping"),
        handling_stop_signals(fake_force) as stops,
        stops.shielded(raise_after=False),
    ):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)


def test_a_teardown_that_outlasts_its_bound_is_forced():
    forced: list[str] = []
    with (
        handling_stop_signals(forced.append, force_after_s=0.2) as stops,
        stops.shielded(raise_after=False),
    ):
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.6)
    assert forced == ["still stopping 0.2 s after SIGHUP"]
