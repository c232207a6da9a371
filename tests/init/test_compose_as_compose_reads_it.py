"""`init` reads Compose files as `docker compose` does: interpolation as the Compose specification
defines it (cases translated from compose-spec/compose-go's template tests), the `.env` beside
the file under the process environment, profiles, `extends`, `include`, `build.target`, and
several `-f` files merged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.cli import init_cmd
from harness.errors import InputError
from harness.init.compose import draft_from_compose
from harness.init.compose_file import load_compose
from harness.init.interpolation import Interpolator, UnresolvedError, interpolate
from harness.system import load_system

ENV = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}

# (template, what Compose makes of it with FOO=first, BAR empty, JSON set, the rest unset)
RESOLVED = [
    ("$${foo}", "${foo}"),
    ("foo", "foo"),
    ("a $ string", "a $ string"),
    ("^REGEX$", "^REGEX$"),
    ("$}", "$}"),
    ("$", "$"),
    ("$FOO-bar", "first-bar"),
    ("This ${missing} var", "This  var"),
    ("This ${BAR} var", "This  var"),
    ("This $FOO var", "This first var"),
    ("This ${FOO} var", "This first var"),
    ("ok ${missing:-def}", "ok def"),
    ("ok ${missing-def}", "ok def"),
    ("${A:+${A},}B", "B"),
    ("${A:-${B}}", ""),
    ("ok ${BAR:-def}", "ok def"),
    ("ok ${FOO:-def}", "ok first"),
    ("ok ${BAR-def}", "ok "),
    ("ok ${UNSET_VAR:+presence_value}", "ok "),
    ("ok ${UNSET_VAR+presence_value}", "ok "),
    ("ok ${FOO:+presence_value}", "ok presence_value"),
    ("ok ${FOO+presence_value}", "ok presence_value"),
    ("ok ${BAR+presence_value}", "ok presence_value"),
    ("ok ${BAR:+presence_value}", "ok "),
    ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
    ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
    ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
    (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
    (":?ok ${BAR-defaultValue}", ":?ok "),
    (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
    ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
    ("ok ${UNSET_VAR-$FOO}", "ok first"),
    ("ok ${UNSET_VAR-${FOO}}", "ok first"),
    ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
    ("ok ${BAR+$FOO}", "ok first"),
    ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
    ("ok ${FOO:?err}", "ok first"),
    ("ok ${FOO?err}", "ok first"),
    ("ok ${BAR?err}", "ok "),
    ("${UNSET_VAR-myerror?msg}", "myerror?msg"),
    ("${FOO?bar-baz}", "first"),
    ("${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
    ('ok ${missing:-{"json":1}}', 'ok {"json":1}'),
    ('ok ${missing-{"json":1}}', 'ok {"json":1}'),
    ('ok ${JSON:-{"json":1}}', 'ok {"json":2}'),
    ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
]


@pytest.mark.parametrize(("template", "expected"), RESOLVED)
def test_interpolation_follows_the_compose_specification(template, expected):
    assert interpolate(template, ENV) == expected


# (template, the variable named, words of the reason); a None variable: not a template at all
REFUSED = [
    ("not ok ${UNSET_VAR:?Mandatory Variable Unset}", "UNSET_VAR", "is not set: Mandatory"),
    ("not ok ${BAR:?Mandatory Variable Empty}", "BAR", "is empty: Mandatory Variable Empty"),
    ("not ok ${UNSET_VAR:?}", "UNSET_VAR", "is not set"),
    ("not ok ${UNSET_VAR?Mandatory Variable Unset}", "UNSET_VAR", "Mandatory Variable Unset"),
    ("not ok ${UNSET_VAR?}", "UNSET_VAR", "is not set"),
    ("not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}", "UNSET_VAR", "Mandatory Variable first"),
    ("${UNSET_VAR?bar-baz}", "UNSET_VAR", "bar-baz"),
    ("${", None, "never closes"),
    ("${}", None, "not a variable reference"),
    ("${ }", None, "not a variable reference"),
    ("${ foo}", None, "not a variable reference"),
    ("${foo }", None, "not a variable reference"),
    ("${foo!}", None, "not a variable reference"),
]


@pytest.mark.parametrize(("template", "variable", "words"), REFUSED)
def test_templates_compose_refuses_say_which_variable_and_why(template, variable, words):
    with pytest.raises(UnresolvedError) as raised:
        interpolate(template, ENV)
    assert raised.value.variable == variable
    assert words in str(raised.value)


def test_only_the_variables_a_value_uses_are_reported_unset():
    used = Interpolator(ENV)
    used("${A:+${A},}B ${C:-${D}} $E")  # A's alternative is never used; D's default is
    assert used.unset == ["D", "E"]


def write(folder, files):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder / next(iter(files))


def test_the_env_file_beside_it_fills_variables_and_the_process_environment_wins(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: 'shop:${TAG}'\n"
            "    command: python app.py --mode ${MODE:-fast}\n"
            "    ports: ['${WEB_PORT}:8080']\n"
            "    environment: {DB_URL: '${DB_URL}', PRICE: '$$5'}\n",
            ".env": "# for local runs\nTAG=from-file\nexport WEB_PORT=8088\n"
            "DB_HOST=db\nDB_URL=\"postgres://${DB_HOST}:5432/shop\"\nMODE='slow ${x}' # quoted\n",
        },
    )
    web = load_compose([compose], {"TAG": "from-process"}).services["web"]
    assert web["image"] == "shop:from-process"
    assert web["command"] == "python app.py --mode slow ${x}"  # single quotes keep `${x}`
    assert web["ports"] == ["8088:8080"]
    assert web["environment"] == {"DB_URL": "postgres://db:5432/shop", "PRICE": "$5"}


def test_env_files_fill_the_environment_under_it_and_their_addresses_become_edges(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  front:\n    build: .\n    command: python app.py\n"
            "    ports: ['8080:8080']\n"
            "    env_file: [config/front.env, {path: local.env, required: false}, last.env]\n"
            "    environment: {LOG: debug}\n"
            "  cart:\n    image: shop/cart:1\n    ports: ['7070:7070']\n",
            "config/front.env": "CART_ADDR=${CART_HOST}:7070\nLOG=info\nMODE=slow\n",
            "last.env": "MODE=fast\n",
            ".env": "CART_HOST=cart\n",
        },
    )
    front = load_compose([compose], {}).services["front"]
    # the environment wins over the files, and a later file over an earlier one
    assert front["environment"] == {"CART_ADDR": "cart:7070", "LOG": "debug", "MODE": "fast"}
    assert "env_file" not in front
    draft = draft_from_compose(compose, tmp_path / "system.yaml", environ={})
    assert draft.services["front"].dependencies == {"cart": "CART_ADDR"}


def test_a_missing_env_file_names_its_field_and_line(tmp_path):
    compose = write(
        tmp_path,
        {"compose.yaml": "services:\n  web:\n    image: a\n    env_file: web.env\n"},
    )
    with pytest.raises(InputError) as raised:
        load_compose([compose], {})
    error = raised.value
    assert (error.line, error.field) == (4, "services.web.env_file")
    assert "`web.env` cannot be read" in str(error) and "required: false" in str(error)


def test_a_variable_left_blank_is_listed_where_it_is_used(tmp_path):
    compose = write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: 'a:${TAG}'\n"})
    notes = load_compose([compose], {}).notes
    assert notes == [
        "`TAG` is not set: blank in services.web.image (compose.yaml:3), as Compose does"
    ]


def test_a_missing_required_variable_names_it_the_file_line_and_reason(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    environment:\n"
            "      - KEY=${API_KEY:?get one from the vault}\n"
        },
    )
    with pytest.raises(InputError) as raised:
        load_compose([compose], {})
    error = raised.value
    assert (error.line, error.field) == (4, "services.web.environment[0]")
    assert "required variable `API_KEY` is not set: get one from the vault" in str(error)


def test_services_of_an_inactive_profile_are_left_out_and_listed(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    command: python app.py\n"
            "  debug:\n    command: python debug.py\n    profiles: [debug, tools]\n"
        },
    )
    draft = draft_from_compose(compose, tmp_path / "system.yaml", environ={})
    assert list(draft.services) == ["web"]
    assert any("`debug` is in the profile(s) debug, tools" in note for note in draft.notes)
    kept = draft_from_compose(
        compose, tmp_path / "system.yaml", environ={"COMPOSE_PROFILES": "tools"}
    )
    assert list(kept.services) == ["web", "debug"]


def test_extends_takes_a_base_from_the_same_file_or_another_with_its_own_folder(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n"
            "  base:\n    command: python app.py\n    environment: {LOG: info, MODE: a}\n"
            "  web:\n    extends: base\n    environment: [MODE=b]\n    ports: ['8080:80']\n"
            "  worker:\n    extends: {service: job, file: common/jobs.yml}\n"
            "    command: python w.py\n",
            "common/jobs.yml": "services:\n  job:\n    build: ./worker\n"
            "    environment: {QUEUE: q}\n",
        },
    )
    services = load_compose([compose], {}).services
    assert services["web"]["command"] == "python app.py"
    assert services["web"]["environment"] == {"LOG": "info", "MODE": "b"}
    assert services["worker"]["build"] == str((tmp_path / "common" / "worker").resolve())
    assert services["worker"]["command"] == "python w.py"  # a command replaces the base's
    assert "extends" not in services["worker"]


def test_include_takes_another_projects_services_in_both_forms(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "include:\n  - db/compose.yaml\n  - path: [cache/compose.yaml]\n"
            "services:\n  web:\n    command: python app.py\n    depends_on: [db, cache]\n",
            "db/compose.yaml": "services:\n  db:\n    image: 'postgres:${PG}'\n    build: .\n",
            "db/.env": "PG=16\n",
            "cache/compose.yaml": "services:\n  cache:\n    image: redis:7\n",
        },
    )
    services = load_compose([compose], {}).services
    assert list(services) == ["web", "db", "cache"]
    assert services["db"]["image"] == "postgres:16"  # from the included project's own .env
    assert services["db"]["build"] == str((tmp_path / "db").resolve())


def test_a_build_target_takes_that_stages_command(tmp_path):
    dockerfile = (
        'FROM python:3.12 AS base\nCMD ["python", "-m", "shop"]\n'
        'FROM base AS debug\nENTRYPOINT ["python", "-m", "debugpy"]\n'
        'FROM base AS worker\nCMD ["python", "worker.py"]\n'
        "FROM --platform=linux/amd64 base AS final\n"
    )
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n"
            "  web:\n    build: .\n"
            "  jobs:\n    build: {context: ., target: worker}\n"
            "  debug:\n    build: {context: ., target: debug}\n",
            "Dockerfile": dockerfile,
        },
    )
    draft = draft_from_compose(compose, tmp_path / "system.yaml", environ={})
    assert draft.services["web"].command == ["{python}", "-m", "shop"]  # the last stage inherits
    assert draft.services["jobs"].command == ["{python}", "worker.py"]
    # Docker resets an inherited CMD when a stage sets its own ENTRYPOINT
    assert draft.services["debug"].command == ["{python}", "-m", "debugpy"]
    assert any("stage `worker`" in note for note in draft.services["jobs"].notes)


def test_several_files_merge_as_docker_compose_merges_them(tmp_path):
    base = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    build: ./web\n    command: python app.py\n"
            "    environment: [A=1, B=2]\n    ports: ['8080:80']\n"
            "  api:\n    command: python api.py\n",
        },
    )
    override = write(
        tmp_path,
        {
            "override/dev.yml": "services:\n  web:\n    command: [python, app.py, --reload]\n"
            "    environment: {B: '3', C: '4'}\n    ports: ['8080:80', '9229:9229']\n"
            "    build: {context: ./web, target: dev}\n"
        },
    )
    web = load_compose([base, override], {}).services["web"]
    assert web["command"] == ["python", "app.py", "--reload"]
    assert web["environment"] == {"A": "1", "B": "3", "C": "4"}
    assert web["ports"] == ["8080:80", "9229:9229"]
    # an -f file's relative paths are the first file's folder's, as in docker compose
    assert web["build"] == {"context": str((tmp_path / "web").resolve()), "target": "dev"}


def test_init_takes_from_repeated_and_writes_a_valid_system(tmp_path):
    base = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    command: python app.py\n"
            "    ports: ['8080:8080']\n    environment: [PORT=8080]\n"
        },
    )
    extra = write(tmp_path, {"extra.yml": "services:\n  web:\n    deploy: {replicas: 3}\n"})
    out = tmp_path / "system.yaml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli.main",
            "init",
            "--from",
            str(base),
            "--from",
            str(extra),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert load_system(out).services["web"].replicas == 3


def test_yaml_is_read_as_compose_reads_it_base_60_ports_and_anchors(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "x-app: &app\n  command: python app.py\n  environment: {LOG: info}\n"
            "services:\n  ssh:\n    <<: *app\n    ports:\n      - 22:22\n"
        },
    )
    ssh = draft_from_compose(compose, tmp_path / "system.yaml", environ={}).services["ssh"]
    # YAML 1.1 would read 22:22 as the base-60 number 1342
    assert (ssh.port, ssh.command, ssh.env) == (22, ["{python}", "app.py"], {"LOG": "info"})


def test_yaml_1_2_scalars_as_compose_reads_them(tmp_path):
    compose = write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    image: a\n    environment:\n"
            "      DEBUG: yes\n      on: off\n      MASK: 0o17\n      BIG: 1_000\n"
            "      FLAG: TRUE\n      RATE: 1.5\n      SINCE: 2001-12-14\n"
        },
    )
    environment = load_compose([compose], {}).services["web"]["environment"]
    # YAML 1.1 (PyYAML's own) would give True, {True: False}, "0o17" and 1000
    assert environment == {
        "DEBUG": "yes",
        "on": "off",
        "MASK": 15,
        "BIG": "1_000",
        "FLAG": True,
        "RATE": 1.5,
        "SINCE": "2001-12-14",
    }


def test_a_folder_brings_its_override_file_as_docker_compose_does(tmp_path):
    write(
        tmp_path,
        {
            "compose.yaml": "services:\n  web:\n    command: python app.py\n",
            "compose.override.yaml": "services:\n  web:\n    deploy: {replicas: 2}\n",
        },
    )
    drafted, _ = init_cmd.draft(tmp_path, tmp_path / "system.yaml", None)
    assert drafted.services["web"].replicas == 2
