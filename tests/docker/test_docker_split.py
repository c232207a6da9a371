"""A split run on Docker (issue 24): the gateway's containers divided into arms, the control's
reaching recommendations through its own control proxy in Toxiproxy's container, and the front
door's balancer container naming the replica that served each answer. With the gateway's
fallbacks switched off, the experiment is decided worse within seconds, the faults end early, and
the control arm, which the fault never reached, fails nothing. One run, about 40 s."""

from __future__ import annotations

from tests.split_fixtures import assert_a_gone_fallback_is_decided_worse_early


def test_a_gone_fallback_is_decided_worse_than_its_control_arm_on_docker(tmp_path, sample_images):
    # a server per replica, named by its instance id
    assert_a_gone_fallback_is_decided_worse_early(
        tmp_path / "run", "docker", ("gateway-0", "gateway-1")
    )
