"""functions/whatsapp/pacing.py with a fake clock."""

from __future__ import annotations

import itertools

import pytest

from devstack.template import load_template
from functions.whatsapp.pacing import NOTIFIER_CONCURRENCY, Pacer, share_of_rate


def test_sends_are_spaced_to_the_rate() -> None:
    clock = [100.0]
    sent_at: list[float] = []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    pacer = Pacer(5, now=lambda: clock[0], sleep=sleep)
    for _ in range(11):
        pacer.wait()
        sent_at.append(clock[0])
    assert sent_at[0] == 100.0
    assert sent_at[-1] == pytest.approx(102.0)  # 11 sends at 5 per second span 2 s
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert min(gaps) == pytest.approx(0.2)


def test_idle_time_is_not_saved_up_for_a_burst() -> None:
    clock = [0.0]
    pacer = Pacer(10, now=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    pacer.wait()
    clock[0] += 60
    pacer.wait()
    pacer.wait()
    assert clock[0] == pytest.approx(60.1)


def test_each_copy_gets_its_share_and_the_template_caps_the_copies() -> None:
    assert share_of_rate(10) == 10 / NOTIFIER_CONCURRENCY
    assert share_of_rate(30) == 15
    with pytest.raises(ValueError, match="positive"):
        share_of_rate(0)
    from cfnlint.decode import cfn_yaml

    from devstack.template import TEMPLATE_PATH

    load_template()
    function = cfn_yaml.load(str(TEMPLATE_PATH))["Resources"]["WhatsappNotifyFunction"]
    scaling = function["Properties"]["Events"]["Queue"]["Properties"]["ScalingConfig"]
    assert scaling["MaximumConcurrency"] == NOTIFIER_CONCURRENCY
