"""The Kubernetes platform on the real node: pods killed by label and by percentage through the
API, their replacements measured; a context off the allowlist refused before anything is
touched; a SIGKILLed run's namespace removed by `firebreak cleanup`."""

from __future__ import annotations

import json
import os
import signal
import time

from kubernetes import client as k8s

from harness.balancer.stats import StatsSession
from harness.platforms.container_env import edge_ports
from harness.platforms.kubernetes.manifests import LABEL_RUN
from harness.platforms.kubernetes.target import CONTEXT_ENV
from harness.scenario import load_scenario_and_system
from tests.conftest import REPO_ROOT
from tests.integration.address_forms import EXTRA_FORMS, expected_forms, with_address_forms
from tests.integration.host_named import with_host_name
from tests.integration.http_fault_checks import (
    assert_http_faults_act_through_the_balancer,
    quotes_degraded,
)
from tests.integration.image_only import as_image_only
from tests.integration.judged import judged_run
from tests.kubernetes.conftest import firebreak_namespaces

# A pod replaced by its ReplicaSet is back later than a process or container restarted by
# Firebreak (scheduling, a sandbox, the first readiness probe): CI's 0.3 leaves the recovery
# phase 4.5 s, less than a replacement and its first slow seconds take here
KUBE_TIME_SCALE = 0.5
HOST_NAME = "fx-news"  # what quotes dials news by in the platform test (no Service has it)
POD_KILLS = REPO_ROOT / "tests" / "kubernetes" / "scenarios" / "pod-kills.yaml"


def with_replicas(system, **replicas):
    """A copy of a system with other replica counts (its files stay where they are)."""
    services = {
        name: spec.model_copy(update={"replicas": replicas.get(name, spec.replicas)})
        for name, spec in system.services.items()
    }
    copy = system.model_copy(update={"services": services})
    copy._path = system._path
    return copy


def test_pods_killed_by_label_and_by_percent_are_replaced_and_measured(tmp_path, kube_api):
    from harness.run_model import RunOptions
    from harness.runner import ScenarioRunner

    scenario, system = load_scenario_and_system(POD_KILLS)
    system = with_replicas(system, inventory=3, catalog=4)

    def run_once(out):
        options = RunOptions(time_scale=KUBE_TIME_SCALE, out_dir=out, platform="kubernetes")
        return ScenarioRunner(scenario, system, options).run()

    result = judged_run(run_once, tmp_path / "run")
    # the verdict itself is the sample's business (half of catalog gone at once costs the front
    # door some answers while the replacements start); what is asserted is what the platform did
    assert result.outcome in ("passed", "failed"), f"{result.verdict}\n{result.error or ''}"
    recovery = next(c for c in result.checks if c.kind == "recovery")
    assert "took" in recovery.summary or "did not recover" in recovery.summary, recovery.summary
    journal = json.loads(result.journal_path.read_text())
    events = [e for e in journal["observations"]["events"] if e["source"] == "platform"]
    killed = sorted(e["name"] for e in events if e["kind"] == "killed")
    assert len([k for k in killed if k.startswith("catalog-")]) == 2  # 50 % of four
    assert [k for k in killed if k.startswith("inventory-")] == ["inventory-1"]  # by label
    restarted = [e for e in events if e["kind"] == "restarted"]
    assert sorted(e["name"] for e in restarted) == killed
    for event in restarted:
        assert "Ready" in event["detail"] and "after the kill" in event["detail"]


def test_a_kill_is_an_event_of_the_cluster_and_its_replacement_takes_the_slot(tmp_path, kube_api):
    """What `kubectl get events` shows after a kill: Firebreak's own event on the pod and the
    kubelet's; the replacement pod fills the killed instance's place. With the deployment up,
    the three HTTP faults act through the balancer pod on `quotes->news` (issue 14), which quotes
    reaches by a host name (issue 22): only that edge's proxy can have served or faulted it."""
    from harness.platforms.kubernetes.platform import KubernetesPlatform
    from harness.system import load_system

    # quotes->rates also hands quotes its proxy as `host:port` and as a connection string
    system = with_address_forms(
        load_system(REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"), "quotes", "rates"
    )
    # and rates has no command: its image's own CMD (rates/Dockerfile's) runs it, killed or not
    system = as_image_only(system, "rates", built_image(system, "rates"))
    # and quotes dials news as `fx-news:8302` (NEWS_URL a fixed value): a name only the quotes
    # pods' hostAliases resolve, to the edge's own Service on the Toxiproxy pod
    system = with_host_name(system, "quotes", "news", HOST_NAME, "NEWS_URL")
    platform = KubernetesPlatform(
        system, tmp_path, on_message=print, http_edges=frozenset({"quotes->news"})
    )
    seen = []
    platform.add_listener(seen.append)
    try:  # teardown registered before any wait
        platform.deploy()
        platform.wait_ready(120)
        assert_quotes_pods_got_rates_in_every_form(platform, kube_api)
        assert_rates_pods_run_their_image_s_own_command(platform, kube_api)
        assert_only_quotes_pods_resolve_the_host_name(platform, kube_api)
        victim = platform.instances("rates")[0]
        old_pod = victim.labels["pod"]
        platform.kill(victim.id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(e.kind == "restarted" for e in seen):
            time.sleep(0.1)
        restarted = [e for e in seen if e.kind == "restarted"]
        assert [e.instance for e in restarted] == [victim.id]
        new_pod = next(i for i in platform.instances("rates") if i.id == victim.id).labels["pod"]
        assert new_pod != old_pod
        events = k8s.CoreV1Api(kube_api).list_namespaced_event(platform.namespace).items
        about_victim = {e.reason for e in events if e.involved_object.name == old_pod}
        assert "FirebreakKill" in about_victim, about_victim
        created = [e for e in events if e.reason == "SuccessfulCreate"]
        assert any(new_pod in (e.message or "") for e in created)
        assert platform.in_rotation()["rates"][victim.id] == "UP"
        # no headlines were missing before the faults, and each fault removed them: quotes'
        # calls to `fx-news` went through the edge's proxy and the balancer
        assert_http_faults_act_through_the_balancer(platform, "quotes->news", quotes_degraded)
        # every edge passes the balancer pod, which counted the quotes the faults' checks asked
        # for: requests on the HTTP edge, connections on the TCP ones (through a port-forward)
        counters = StatsSession(platform.balancer_api).read()
        assert counters[("edge_quotes_to_news", "FRONTEND")].requests_total > 0
        rates = counters[("edge_quotes_to_rates", "FRONTEND")]
        assert rates.requests_total is None and rates.connections_total > 0
    finally:
        platform.teardown()
    assert platform.namespace not in firebreak_namespaces(kube_api)


def built_image(system, service: str) -> str:
    """The image the platform builds for `service` (found by its hash when it is there)."""
    from harness.images.builder import ImagePlan, images_for
    from harness.platforms.docker.engine import engine

    client = engine()
    try:  # the platform's own plan (KubernetesPlatform's default): the same hash, one build
        return images_for(client, system, ImagePlan(offline_base=True), print)[0][service]
    finally:
        client.close()


def assert_rates_pods_run_their_image_s_own_command(platform, kube_api) -> None:
    """The rates pods, as the cluster runs them: no command or args (the image's ENTRYPOINT
    and CMD run), the port the platform gives every replica, and ready."""
    pods = k8s.CoreV1Api(kube_api).list_namespaced_pod(
        platform.namespace, label_selector="app=rates"
    )
    live = [pod for pod in pods.items if pod.metadata.deletion_timestamp is None]
    assert len(live) == platform.system.services["rates"].replicas
    for pod in live:
        container = pod.spec.containers[0]
        assert (container.command, container.args) == (None, None)
        env = {item.name: item.value for item in container.env}
        assert env["PORT"] == str(platform.system.services["rates"].port)
        assert all(status.ready for status in pod.status.container_statuses)


def assert_only_quotes_pods_resolve_the_host_name(platform, kube_api) -> None:
    """The quotes pods, as the cluster runs them, name `fx-news` in their hostAliases at the
    address of `quotes->news`'s own Service (news' port → the edge's port on Toxiproxy), and
    keep NEWS_URL as the system gave it; the other services' pods resolve no such name."""
    core = k8s.CoreV1Api(kube_api)
    dial = core.read_namespaced_service("dial-quotes-news", platform.namespace)
    assert [(p.port, p.target_port) for p in dial.spec.ports] == [
        (platform.system.services["news"].port, edge_ports(platform.system)["quotes->news"])
    ]
    assert dial.spec.selector["app"] == "toxiproxy"
    assert dial.metadata.labels[LABEL_RUN] == platform.run_label  # teardown and cleanup find it
    pods = core.list_namespaced_pod(platform.namespace).items
    live = [pod for pod in pods if pod.metadata.deletion_timestamp is None]
    quotes = [pod for pod in live if pod.metadata.labels.get("app") == "quotes"]
    assert len(quotes) == platform.system.services["quotes"].replicas
    for pod in quotes:
        aliases = [(a.ip, a.hostnames) for a in pod.spec.host_aliases or []]
        assert aliases == [(dial.spec.cluster_ip, [HOST_NAME])]
        env = {item.name: item.value for item in pod.spec.containers[0].env}
        assert env["NEWS_URL"] == f"http://{HOST_NAME}:8302"
    others = [pod.metadata.name for pod in live if pod not in quotes and pod.spec.host_aliases]
    assert others == []


def assert_quotes_pods_got_rates_in_every_form(platform, kube_api) -> None:
    """Each quotes pod, as the cluster runs it, names rates' edge proxy in every form."""
    port = edge_ports(platform.system)["quotes->rates"]
    pods = k8s.CoreV1Api(kube_api).list_namespaced_pod(
        platform.namespace, label_selector="app=quotes"
    )
    live = [pod for pod in pods.items if pod.metadata.deletion_timestamp is None]
    assert len(live) == platform.system.services["quotes"].replicas
    for pod in live:
        env = {item.name: item.value for item in pod.spec.containers[0].env}
        assert env["RATES_URL"] == f"http://toxiproxy:{port}"
        assert {k: env[k] for k in EXTRA_FORMS} == expected_forms("toxiproxy", port)


def test_a_context_off_the_allowlist_is_refused_before_anything_is_touched(
    spawn_harness, tmp_path, kube_api, monkeypatch
):
    before = firebreak_namespaces(kube_api)
    env = {**os.environ, CONTEXT_ENV: "someone-elses-prod"}
    env.pop("FIREBREAK_K8S_CONTEXTS", None)
    process = spawn_harness(
        "run",
        str(REPO_ROOT / "scenarios" / "default.yaml"),
        "--platform",
        "kubernetes",
        "--out",
        str(tmp_path / "run"),
        env=env,
    )
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 3, output
    assert "someone-elses-prod" in output and "allowlist" in output
    assert firebreak_namespaces(kube_api) == before
    assert not (tmp_path / "run").exists()


def test_a_sigkilled_run_leaves_no_namespace_after_cleanup(spawn_harness, tmp_path, kube_api):
    process = spawn_harness(
        "up", str(REPO_ROOT / "examples" / "fx-quotes" / "system.yaml"), "--platform", "kubernetes"
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not firebreak_namespaces(kube_api):
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.5)
    assert firebreak_namespaces(kube_api), "the run never created its namespace"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert firebreak_namespaces(kube_api), "SIGKILL left nothing to clean: the test proves nothing"
    cleanup = spawn_harness("cleanup")
    output, _ = cleanup.communicate(timeout=120)
    assert cleanup.returncode == 0, output
    assert firebreak_namespaces(kube_api) == []
    assert "1 Kubernetes namespaces" in output  # the killed run's, found by its ledger
