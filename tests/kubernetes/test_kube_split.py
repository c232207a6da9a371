"""A split run on Kubernetes (issue 24): the gateway's Deployment made into two arms (`gateway`
and `gateway-control`, a Service each), the control's pods reaching recommendations through the
edge's control proxy in Toxiproxy's pod, and the front door's balancer pod holding a server per
arm that names itself in every answer. With the gateway's fallbacks switched off, the experiment
is decided worse within seconds, the faults end early, and the control arm fails nothing."""

from __future__ import annotations

from tests.split_fixtures import assert_a_gone_fallback_is_decided_worse_early


def test_a_gone_fallback_is_decided_worse_than_its_control_arm_on_kubernetes(tmp_path, kube_api):
    # a server per arm, each an arm's Service: the cluster names the pods, not Firebreak
    assert_a_gone_fallback_is_decided_worse_early(
        tmp_path / "run", "kubernetes", ("experiment", "control")
    )
