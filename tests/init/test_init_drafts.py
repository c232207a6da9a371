"""`firebreak init --from`: Compose files and Kubernetes manifests written the way projects write
them become a system.yaml that validates, with every guess listed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.errors import InputError
from harness.init.compose import draft_from_compose
from harness.init.draft import render
from harness.system import load_system
from tests.conftest import REPO_ROOT
from tests.init.cli import init

FX = REPO_ROOT / "examples" / "fx-quotes"


def test_a_compose_file_becomes_a_system_with_its_edges_commands_and_replicas(tmp_path):
    out = tmp_path / "system.yaml"
    done = init("--from", str(FX / "docker-compose.yml"), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    system = load_system(out)
    assert system.entrypoint == "quotes"
    assert sorted(e.name for e in system.edges()) == [
        "load->quotes",
        "quotes->news",
        "quotes->rates",
    ]
    quotes = system.services["quotes"]
    assert quotes.command == ["node", "quotes/server.js"]  # from quotes/Dockerfile's CMD
    assert system.workdir_of("quotes") == FX.resolve()
    assert (quotes.port, quotes.replicas, quotes.health.ready) == (8300, 2, "/healthz")
    assert system.services["news"].env == {"LOG_LEVEL": "warn"}  # PORT is the platform's
    assert system.locustfile_path() == (FX / "locustfile.py").resolve()
    text = out.read_text()
    assert "# Drafted by `firebreak init` from docker-compose.yml" in text
    assert "RATES_URL=http://rates:8080 holds its URL (confirm)" in text
    assert "depends on `rates`" in done.stdout  # the same list, printed


def test_images_with_no_local_command_are_left_out_and_said_so(tmp_path):
    out = tmp_path / "system.yaml"
    assert (
        init(
            "--from", str(REPO_ROOT / "sample_system" / "docker-compose.yml"), "--out", str(out)
        ).returncode
        == 0
    )
    system = load_system(out)
    assert set(system.services) == {
        "gateway",
        "catalog",
        "recommendations",
        "inventory",
        "orders",
        "payments",
    }
    assert system.services["gateway"].command[0] == "{python}"  # the harness's interpreter
    assert system.services["orders"].env == {"SETTLE_INTERVAL_S": "0.5"}
    assert "`prometheus` runs only as an image (prom/prometheus:v2.53.0)" in out.read_text()
    assert "DATA_DIR=/data dropped: the platform sets DATA_DIR" in out.read_text()


def test_a_manifests_folder_becomes_a_system_through_its_services_names(tmp_path):
    out = tmp_path / "system.yaml"
    done = init("--from", str(FX / "k8s"), "--out", str(out), "--entrypoint", "quotes")
    assert done.returncode == 0, done.stdout + done.stderr
    system = load_system(out)
    # rates.fx.svc.cluster.local and plain `news` both name a Service of the folder
    assert system.services["quotes"].dependencies.keys() == {"rates", "news"}
    assert system.workdir_of("rates") == FX.resolve()  # where `rates/server.js` is
    assert system.services["rates"].image == "fx-quotes/rates:1.4.2"
    assert system.services["quotes"].replicas == 2


def test_the_port_variable_a_framework_reads_becomes_port_env(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  shop:\n"
        "    command: java -jar shop.jar\n"
        "    ports: ['8080:8081']\n"
        "    environment: [SERVER_PORT=8081, BILLING_URL=http://billing-svc:9000/api]\n"
        "    healthcheck: {test: 'wget -qO- http://localhost:8081/actuator/health || exit 1'}\n"
        "  billing-svc:\n"
        "    command: [python3, app.py]\n"
        "    hostname: billing-svc\n"
    )
    draft = draft_from_compose(compose, tmp_path / "system.yaml")
    shop = draft.services["shop"]
    assert (shop.port_env, shop.port, shop.ready_path) == ("SERVER_PORT", 8080, "/actuator/health")
    assert shop.dependencies == {"billing-svc": "BILLING_URL"}
    assert draft.services["billing-svc"].command == ["{python}", "app.py"]
    assert "shop:" in render(draft)


def test_existing_files_are_not_overwritten_and_bad_sources_are_refused(tmp_path):
    out = tmp_path / "system.yaml"
    out.write_text("name: mine\n")
    done = init("--from", str(FX / "docker-compose.yml"), "--out", str(out))
    assert done.returncode == 2 and "This file exists already" in done.stderr
    assert out.read_text() == "name: mine\n"
    missing = init("--from", str(tmp_path / "nowhere.yml"))
    assert missing.returncode == 2 and "Nothing there" in missing.stderr
    not_compose = tmp_path / "other.yml"
    not_compose.write_text("version: 3\n")
    with pytest.raises(InputError, match="expected a top-level `services:` mapping"):
        draft_from_compose(not_compose, out)
    wrong = init(
        "--from",
        str(FX / "docker-compose.yml"),
        "--out",
        str(tmp_path / "x.yaml"),
        "--entrypoint",
        "nosuch",
    )
    assert wrong.returncode == 2 and "`nosuch` is not a service here" in wrong.stderr


def test_validate_accepts_a_system_file():
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "validate", str(FX / "system.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "ok:" in done.stdout and "system fx-quotes" in done.stdout
