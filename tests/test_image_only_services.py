"""A service without `command` runs its image's own entrypoint (issue 22 §4): system.yaml accepts
it when it names an `image`; the local platform, which runs commands, refuses the whole system
before anything starts (exit 2, every such service named); `validate` accepts it and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import EXIT_BAD_INPUT, SystemSpecError
from harness.platforms.factory import preflight
from harness.platforms.local.platform import LocalPlatform
from harness.system import load_system

# two image-only services sharing a port, as Online Boutique's do (each replica has its own
# address in a container or a pod), beside one that runs a command
MIXED = """\
name: shop
entrypoint: front
services:
  front:
    image: shop/front:1.0
    port: 8080
    dependencies:
      cart: {env: CART_ADDR, address: "{host}:{port}"}
      quotes: {env: QUOTES_URL}
  cart:
    image: redis:alpine
    port: 8080
  quotes:
    command: ["{python}", "quotes.py"]
    image: shop/quotes:1.0
    port: 8080
"""


def write(tmp_path: Path, text: str = MIXED) -> Path:
    path = tmp_path / "system.yaml"
    path.write_text(text)
    return path


def test_a_service_with_an_image_and_no_command_is_accepted_and_may_share_its_port(tmp_path):
    system = load_system(write(tmp_path))
    assert system.image_only_services() == ["front", "cart"]
    assert system.services["front"].command is None
    assert system.services["quotes"].image_only is False
    assert {spec.port for spec in system.services.values()} == {8080}
    with pytest.raises(SystemSpecError) as caught:
        system.command_of("cart")
    assert caught.value.field == "services.cart.command"


def test_a_service_with_neither_command_nor_image_is_refused_naming_it(tmp_path):
    path = write(tmp_path, MIXED.replace("    image: redis:alpine\n", ""))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    error = caught.value
    assert (error.exit_code, error.field) == (EXIT_BAD_INPUT, "services.cart")
    assert error.line == 10  # the line of `cart:`
    assert "`command`" in error.detail and "`image`" in error.detail


def test_two_services_with_commands_still_need_ports_of_their_own(tmp_path):
    # local replicas share the host's ports: only image-only services may share one
    path = write(tmp_path, MIXED.replace("    image: redis:alpine\n", "    command: [redis]\n"))
    with pytest.raises(SystemSpecError) as caught:
        load_system(path)
    assert caught.value.field == "services.quotes.port"
    assert "already the port of `cart`" in caught.value.detail


def test_the_local_platform_refuses_naming_every_image_only_service_before_anything_starts(
    tmp_path,
):
    system = load_system(write(tmp_path))
    with pytest.raises(SystemSpecError) as caught:
        preflight("local", system, set())
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "`front` (shop/front:1.0), `cart` (redis:alpine)" in message
    assert "`quotes`" not in message  # it has a command: it could run here
    assert "--platform docker" in message and "--platform kubernetes" in message
    # the platform itself refuses too, before Toxiproxy or any replica is started
    platform = LocalPlatform(system, tmp_path / "run")
    with pytest.raises(SystemSpecError):
        platform.deploy()
    assert platform.toxiproxy is None and platform.supervisor.slots == {}
    # Docker takes it (its images are checked when it deploys, before anything is created)
    preflight("docker", system, set())


def test_up_and_run_on_the_local_platform_exit_2_before_a_run_folder_exists(
    tmp_path, capsys, monkeypatch
):
    reports = tmp_path / "reports"
    monkeypatch.setenv("FIREBREAK_REPORTS", str(reports))
    system_path = write(tmp_path)
    assert main(["up", str(system_path)]) == EXIT_BAD_INPUT
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f"name: cart-slow\ndescription: a slow cart\nsystem: {system_path}\n"
        "load: {users: 1, spawn_rate: 1}\n"
        "phases: {warmup: 1s, baseline: 1s, faults: 1s, recovery: 1s}\n"
        "faults: [{type: latency, target: front->cart, at: 0s, latency_ms: 100}]\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("`front` (shop/front:1.0), `cart` (redis:alpine)") == 2
    assert not reports.exists() and not out.exists()  # the ledger lives in the run folder


def test_validate_accepts_it_and_warns_that_it_needs_a_container_platform(tmp_path, capsys):
    assert main(["validate", str(write(tmp_path))]) == 0
    captured = capsys.readouterr()
    assert "ok:" in captured.out
    warning = " ".join(captured.err.split())  # rich wraps long lines
    assert "`front`, `cart` run only as their image" in warning
    assert "--platform docker" in warning
