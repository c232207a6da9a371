"""Load from inside the cluster on the real node: Locust's master and workers run as pods, the
master's stream comes back through the API server, the workers' accepted orders reach the
integrity check, and the load's pods are gone when the run ends."""

from __future__ import annotations

import json

from kubernetes import client as k8s

from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.judged import judged_run
from tests.kubernetes.test_kube_platform import KUBE_TIME_SCALE

IN_CLUSTER_LOAD = REPO_ROOT / "tests" / "kubernetes" / "scenarios" / "in-cluster-load.yaml"


def test_locust_as_pods_streams_every_second_and_keeps_the_accepted_orders(tmp_path, kube_api):
    from harness.run_model import RunOptions
    from harness.runner import ScenarioRunner

    scenario, system = load_scenario_and_system(IN_CLUSTER_LOAD)
    assert scenario.load.workers == 2

    def run_once(out):
        options = RunOptions(time_scale=KUBE_TIME_SCALE, out_dir=out, platform="kubernetes")
        return ScenarioRunner(scenario, system, options).run()

    result = judged_run(run_once, tmp_path / "run")
    assert result.outcome in ("passed", "failed"), f"{result.verdict}\n{result.error or ''}"
    journal = json.loads(result.journal_path.read_text())
    seconds = journal["observations"]["front_door"]
    served = [s for s in seconds if s["requests"] > 0]
    # users run for the whole run (about 12 s at this scale): the stream has most of its seconds
    assert len(served) >= 8, [s["requests"] for s in seconds]
    assert sum(s["requests"] for s in seconds) > 100
    assert max(s["users"] for s in seconds) == 10
    load_log = (result.run_dir / "logs" / "load.log").read_text()
    # each worker pod's log is kept, with its exit code (0: it ended when its master said so)
    assert "--- load-worker-0 (exit code 0) ---" in load_log, load_log[-2000:]
    assert "--- load-worker-1 (exit code 0) ---" in load_log, load_log[-2000:]
    accepted = (result.run_dir / "accepted-orders.txt").read_text().split()
    assert accepted, "the workers' accepted orders did not come back"
    integrity = next(c for c in result.checks if c.kind == "integrity")
    assert "no evidence" not in integrity.summary, integrity.summary
    # nothing of the load outlives the run (its namespace went with it)
    pods = k8s.CoreV1Api(kube_api).list_pod_for_all_namespaces(
        label_selector="io.firebreak/role=load"
    )
    assert not pods.items, [(p.metadata.namespace, p.metadata.name) for p in pods.items]
