"""`firebreak init` on manifests as teams keep them: a kustomize tree, one multi-document file
(`helm template` output), subfolders; every workload listed and each one left out with why; a
load generator becomes the load."""

from __future__ import annotations

from harness.cli.main import main
from harness.init.draft import choose_entrypoint, render
from harness.init.manifests import IMAGE_ONLY, draft_from_manifests
from harness.system import load_system
from tests.init.boutique import deployment, write_boutique


def with_command(name: str, port: int, env: dict[str, str], command: str) -> str:
    text = deployment(name, port, env)
    return text.replace("        image:", f"        command: {command}\n        image:", 1)


def test_an_online_boutique_kustomize_folder_is_read_and_its_load_generator_is_the_load(tmp_path):
    folder = write_boutique(tmp_path / "ob")
    draft = draft_from_manifests(folder, tmp_path / "system.yaml")
    assert list(draft.services) == [
        "frontend",
        "productcatalogservice",
        "cartservice",
        "redis-cart",
        "checkoutservice",
    ]
    assert draft.services["frontend"].published == "Service `frontend-external` (LoadBalancer)"
    assert draft.services["checkoutservice"].published is None
    # left out of the kustomization, yet found: the team's load, with its locustfile
    assert "loadgenerator" not in draft.services
    assert draft.locustfile == "ob/src/loadgenerator/locustfile.py"
    notes = "\n".join(draft.all_notes())
    assert "Deployment `loadgenerator` (loadgenerator.yaml:1) is a load generator" in notes
    assert "FRONTEND_ADDR=frontend:80" in notes
    assert "5 workloads found: Deployment `frontend` (frontend.yaml:1)" in notes
    assert f"frontend: {IMAGE_ONLY}" in notes
    choose_entrypoint(draft, None)
    assert draft.entrypoint == "frontend"
    assert "`redis-cart` (a data store)" in notes + "\n".join(draft.notes)
    text = render(draft)
    assert "command" not in text.split("services:")[1]  # each runs its image's entrypoint
    assert "    image: redis:alpine" in text


def test_image_only_workloads_become_services_on_their_container_ports(tmp_path, capsys):
    """system.yaml takes a service with no `command` (its image's entrypoint runs it): init
    writes the port its container listens on, a port another service may share, never one
    renumbered for this machine; it says to run the system on a container platform."""
    folder = write_boutique(tmp_path / "ob")
    (folder / "emailservice.yaml").write_text(deployment("emailservice", 8080, {"PORT": "8080"}))
    kustomization = folder / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + " - emailservice.yaml\n")
    out = tmp_path / "system.yaml"
    assert main(["init", "--from", str(folder), "--out", str(out)]) == 0
    system = load_system(out)
    assert system.image_only_services() == list(system.services)
    ports = {name: spec.port for name, spec in system.services.items()}
    assert ports == {
        "frontend": 8080,
        "productcatalogservice": 3550,
        "cartservice": 7070,
        "redis-cart": 6379,
        "checkoutservice": 5050,
        "emailservice": 8080,  # frontend's too: each replica has its own address
    }
    assert system.services["cartservice"].dependencies["redis-cart"].address == "{host}:{port}"
    assert system.services["redis-cart"].health.tcp  # it answers no HTTP: a connection will do
    printed = " ".join(capsys.readouterr().out.split())
    assert f"frontend: {IMAGE_ONLY}" in printed
    assert f"firebreak up {out} --platform docker" in printed


def test_one_multi_document_file_from_helm_template_is_read_with_every_workload_listed(tmp_path):
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(
        "---\n# Source: shop/templates/web.yaml\n"
        + with_command("web", 8080, {"ORDERS_URL": "http://orders:9000"}, "[node, web.js]")
        + "---\n# Source: shop/templates/orders.yaml\n"
        + with_command("orders", 9000, {}, "[python3, -m, orders]")
        + "---\n# Source: shop/templates/migrate.yaml\n"
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: m\n        image: shop/migrate\n"
        "---\n# Source: shop/templates/alerts.yaml\n"  # a Go template that is not Helm's
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\n"
        "data:\n  summary: 'web {{ $labels.pod }} is down'\n"
        "---\n# Source: shop/templates/agent.yaml\n"
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  template:\n"
        "    spec:\n      containers: []\n"
        "---\n# Source: shop/templates/k6.yaml\n"
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-load\nspec:\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n"
        "          - name: k6\n            image: grafana/k6:0.50.0\n"
        "            args: [run, /scripts/shop.js]\n"
    )
    out = tmp_path / "system.yaml"
    assert main(["init", "--from", str(rendered), "--out", str(out)]) == 0
    system = load_system(out)
    assert sorted(system.services) == ["orders", "web"]
    assert system.entrypoint == "web"
    assert list(system.services["web"].dependencies) == ["orders"]
    text = out.read_text()
    assert "5 workloads found: Deployment `web` (rendered.yaml:3)" in text
    assert "Job `migrate` (rendered.yaml:" in text and "left out: a Job runs to completion" in text
    assert "DaemonSet `agent` (rendered.yaml:" in text and "left out: no container" in text
    assert "is a load generator (k6)" in text
    assert "Firebreak's load is Locust, so write a locustfile.py" in text


def test_a_folder_split_in_subfolders_is_read_recursively_and_kustomize_bases_are_followed(
    tmp_path,
):
    team = tmp_path / "deploy"
    (team / "web").mkdir(parents=True)
    (team / "web" / "web.yaml").write_text(
        with_command("web", 8080, {"CART_URL": "http://cart/api"}, "[node, web.js]")
    )
    # a kustomize overlay in a subfolder: a legacy `bases:` entry, a folder resource, a patch
    base = team / "cart" / "base"
    base.mkdir(parents=True)
    (base / "cart.yaml").write_text(with_command("cart", 7070, {}, "[node, cart.js]"))
    (base / "kustomization.yml").write_text("resources: [cart.yaml]\n")
    overlay = team / "cart" / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (team / "cart" / "Kustomization").write_text("resources:\n- overlays/prod\n")
    (overlay / "kustomization.yaml").write_text(
        "bases:\n- ../../base\npatches:\n- path: replicas.yaml\n"
    )
    (team / ".github").mkdir()
    (team / ".github" / "ci.yaml").write_text("on: push\n")  # not the team's manifests
    draft = draft_from_manifests(team, tmp_path / "system.yaml")
    assert list(draft.services) == ["cart", "web"]
    assert draft.services["web"].dependencies == {"cart": "CART_URL"}
    notes = "\n".join(draft.notes)
    assert "its `patches` are not applied" in notes and "kubectl kustomize" in notes


def test_a_locust_deployment_gives_its_locustfile_named_in_its_command(tmp_path):
    folder = tmp_path / "k8s"
    folder.mkdir()
    (folder / "shop.yaml").write_text(
        with_command("shop", 8000, {}, "[python3, shop.py]")
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: swarm\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: locust\n"
        "        image: locustio/locust:2.31\n"
        "        args: [-f, /mnt/locust/shop_tasks.py, --host, http://shop:8000]\n"
    )
    (tmp_path / "swarm").mkdir()
    (tmp_path / "swarm" / "shop_tasks.py").write_text("from locust import HttpUser\n")
    draft = draft_from_manifests(folder, tmp_path / "system.yaml")
    assert list(draft.services) == ["shop"]
    assert draft.locustfile == "swarm/shop_tasks.py"
    assert any("is a load generator (locust)" in note for note in draft.notes)


def test_a_callee_probed_with_grpc_health_makes_its_host_port_edges_grpc(tmp_path):
    folder = write_boutique(tmp_path / "ob")
    out = tmp_path / "system.yaml"
    draft = draft_from_manifests(folder, out)
    assert draft.services["productcatalogservice"].speaks_grpc
    assert not draft.services["redis-cart"].speaks_grpc
    choose_entrypoint(draft, None)
    out.write_text(render(draft))
    system = load_system(out)
    frontend = system.services["frontend"].dependencies
    assert frontend["productcatalogservice"].protocol == "grpc"  # probed with gRPC
    assert frontend["cartservice"].protocol == "tcp"  # nothing says what it speaks
    assert system.services["cartservice"].dependencies["redis-cart"].protocol == "tcp"
