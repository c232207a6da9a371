"""The gRPC-and-Redis example on containers, with storefront dialing Redis by a fixed name, as
the team's code does when `REDIS_URL` is unset (`redis://redis:6379/0`): system.yaml says
`host_name: redis`, not a variable. Redis runs from its image built on the offline base (Debian's
redis-server in it), ready once it accepts a connection; storefront reaches pricing through the
edge proxy in the form it reads (`host:port`), and Redis through the name, which in storefront's
containers alone points at its edge's proxy (harness/platforms/docker/dial.py). One run, the
data-store scenario: the fault on the named edge must be seen to touch its traffic. Pricing's
gRPC scenario and the `redis://` form run locally (tests/integration/test_bookshop_example.py)."""

from __future__ import annotations

import shutil

from harness.runner import RunOptions, ScenarioRunner
from harness.scenario import load_scenario_and_system
from tests.integration.judged import judged_run
from tests.integration.test_bookshop_example import (
    BOOKSHOP,
    CI_TIME_SCALE,
    PORT_OFFSET,
    assert_redis_slow_held,
)

REDIS_BY_VARIABLE = 'redis: {env: REDIS_URL, address: "redis://{host}:{port}/0", optional: true}'
REDIS_BY_NAME = "redis: {host_name: redis, optional: true}"


def bookshop_dialing_redis_by_name(folder):
    """A copy of the example whose storefront reads no Redis variable: it dials its default,
    `redis:6379`."""
    shutil.copytree(BOOKSHOP, folder, ignore=shutil.ignore_patterns("__pycache__"))
    system_path = folder / "system.yaml"
    text = system_path.read_text()
    assert REDIS_BY_VARIABLE in text and "    port: 8402\n" in text
    system_path.write_text(
        text.replace(REDIS_BY_VARIABLE, REDIS_BY_NAME).replace(
            "    port: 8402\n", "    port: 6379\n"
        )
    )
    return folder


def test_a_slow_redis_dialed_by_name_on_docker_costs_only_the_reading_list(tmp_path, docker_client):
    folder = bookshop_dialing_redis_by_name(tmp_path / "bookshop")
    scenario, system = load_scenario_and_system(folder / "scenarios" / "redis-slow.yaml")
    assert system.services["storefront"].dependencies["redis"].host_name == "redis"

    def run_once(out_dir):
        options = RunOptions(
            time_scale=CI_TIME_SCALE, out_dir=out_dir, port_offset=PORT_OFFSET, platform="docker"
        )
        return ScenarioRunner(scenario, system, options).run()

    result = judged_run(run_once, tmp_path / "run")
    journal = assert_redis_slow_held(result)  # touched: connections crossed the named edge
    assert journal["platform"] == "docker"
    assert journal["system"]["images"]["redis"].startswith("firebreak/bookshop-redis:fb-")
    # no variable carries it: storefront's environment names no Redis address
    declared = journal["observations"]["edge_evidence"]["declared"]["storefront->redis"]
    assert declared["env"] is None and declared["protocol"] == "tcp"
