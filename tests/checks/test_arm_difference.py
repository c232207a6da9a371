"""The statistics of a split run (harness/checks/arm_difference.py): the fixed-window interval
against a published example, and the error rates of both tests measured by simulation, with the
peeking that the sequential test exists to allow."""

from __future__ import annotations

import random

import pytest

from harness.checks.arm_difference import (
    WITHIN,
    WORSE,
    ArmCounts,
    confidence_sequence,
    first_decision,
    fixed_verdict,
    sequential_verdict,
)

SECONDS = 40
PER_SECOND = 12  # requests each arm serves a second: 10 users' worth
DELTA = 0.05
ALPHA = 0.01
STREAMS = 400


def _stream(rng: random.Random, exp_rate: float, ctl_rate: float):
    def second(rate: float) -> ArmCounts:
        return ArmCounts(PER_SECOND, sum(rng.random() < rate for _ in range(PER_SECOND)))

    return [(second(exp_rate), second(ctl_rate)) for _ in range(SECONDS)]


def test_the_fixed_interval_is_newcombes_hybrid_score_interval():
    # Newcombe (1998), Statistics in Medicine 17:873, table II, example (a): 56/70 − 48/80,
    # method 10 gives 0.0524 to 0.3339 at 95%
    difference = fixed_verdict(ArmCounts(70, 56), ArmCounts(80, 48), delta=0.0, alpha=0.05)
    assert difference.estimate == pytest.approx(0.2)
    assert difference.low == pytest.approx(0.0524, abs=5e-4)
    assert difference.high == pytest.approx(0.3339, abs=5e-4)
    assert difference.verdict == WORSE  # above a margin of 0


def test_the_confidence_sequence_narrows_and_is_wider_than_one_fixed_look():
    intervals = [confidence_sequence(ArmCounts(n, n // 10), ALPHA) for n in (10, 100, 1000, 10000)]
    widths = [high - low for low, high in intervals]
    assert widths == sorted(widths, reverse=True) and widths[-1] < 0.03
    assert all(low < 0.1 < high for low, high in intervals)
    # near a rate of 0 it is narrow: with no failure in 500 requests the bound solves
    # -log(501) - 500 log(1 - p) = log(1 / alpha), p = 1 - exp(-(log 100 + log 501) / 500)
    assert confidence_sequence(ArmCounts(500, 0), ALPHA) == (0.0, pytest.approx(0.0214, abs=1e-4))
    fixed = fixed_verdict(ArmCounts(1000, 500), ArmCounts(1000, 500), DELTA, ALPHA)
    sequential = sequential_verdict(ArmCounts(1000, 500), ArmCounts(1000, 500), DELTA, ALPHA)
    assert sequential.high - sequential.low > fixed.high - fixed.low


def test_a_clear_difference_is_decided_early_and_no_difference_is_decided_within():
    rng = random.Random(7)
    index, difference = first_decision(_stream(rng, 0.5, 0.0), DELTA, ALPHA)
    assert difference.verdict == WORSE and index is not None and index < 5
    index, difference = first_decision(_stream(rng, 0.0, 0.0), DELTA, ALPHA)
    assert difference.verdict == WITHIN and index is not None and index < SECONDS


@pytest.mark.parametrize(("exp_rate", "wrong"), [(0.02 + DELTA, WORSE), (0.02 + DELTA, WITHIN)])
def test_at_the_margin_either_verdict_is_wrong_and_the_sequential_test_rarely_gives_one(
    exp_rate, wrong
):
    """The hardest case: the experiment is worse by exactly the margin, so `worse` and `within`
    are both false. Looked at every second, the sequential test gives the wrong verdict at most
    alpha of the time; the fixed-window test peeked at the same way does far worse."""
    rng = random.Random(11)
    sequential_wrong = peeking_wrong = 0
    for _ in range(STREAMS):
        seconds = _stream(rng, exp_rate, 0.02)
        _, difference = first_decision(seconds, DELTA, ALPHA)
        sequential_wrong += difference.verdict == wrong
        experiment = control = ArmCounts(0, 0)
        for exp_second, ctl_second in seconds:
            experiment, control = experiment + exp_second, control + ctl_second
            verdict = fixed_verdict(experiment, control, DELTA, ALPHA).verdict
            if verdict is not None:
                peeking_wrong += verdict == wrong
                break
    assert sequential_wrong / STREAMS <= ALPHA
    assert peeking_wrong > sequential_wrong


def test_counts_must_make_sense():
    with pytest.raises(ValueError, match=r"within 0\.\.requests"):
        ArmCounts(3, 4)
