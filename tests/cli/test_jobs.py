"""``baton job``: validate, push, show, diff, list, versions, locks, as a registry user."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from baton.cli.exits import ExitCode
from baton.registry import audit, jobs, roles, users
from baton.registry.enums import AuthSource, PrincipalKind
from tests.cli.conftest import Cli, describe
from tests.cli.test_main import _baton_executable
from tests.conftest import Installation

GOOD = """\
name: adder
description: Adds two to a number.
inputs:
  x: {type: integer, required: true}
outputs:
  total: {type: integer, value: nodes.add.result}
nodes:
  - id: add
    kind: program
    program: sample.add
    bindings: {a: inputs.x, b: 2}
"""

#: An unknown program and sample.add without its ``b``.
BAD = """\
name: adder
nodes:
  - {id: ghost, kind: program, program: sample.nosuch}
  - {id: add, kind: program, program: sample.add, bindings: {a: 1}}
edges:
  - {from: ghost, to: add}
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    found = {}
    for name, text in (("good.yaml", GOOD), ("bad.yaml", BAD)):
        path = tmp_path / name
        path.write_text(text)
        found[name] = path
    found["good.json"] = tmp_path / "good.json"
    found["good.json"].write_text(json.dumps(yaml.safe_load(GOOD)))
    return found


def test_validate_a_valid_file_exits_0(cli: Cli, files: dict[str, Path]) -> None:
    for name in ("good.yaml", "good.json"):
        result = cli.ok("job", "validate", str(files[name]))
        assert "no issues: the job is valid" in result.stdout
    stdin = cli("job", "validate", "-", input=GOOD)
    assert stdin.exit_code == 0, describe(stdin)


def test_validate_errors_exit_1_with_a_table(cli: Cli, files: dict[str, Path]) -> None:
    result = cli("job", "validate", str(files["bad.yaml"]))
    assert result.exit_code == 1, describe(result)
    header = next(line for line in result.stdout.splitlines() if "code" in line)
    for column in ("code", "node", "path", "message"):
        assert column in header
    assert "unknown_program" in result.stdout and "ghost" in result.stdout
    assert "unbound_input" in result.stdout and "nodes[1].bindings" in result.stdout
    assert "2 error(s), 0 warning(s)" in result.stdout


def test_validate_an_unreadable_file(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: adder\nsurprise: 1\n")
    result = cli("job", "validate", str(broken))
    assert result.exit_code == ExitCode.INVALID_INPUT, describe(result)
    assert "unknown key 'surprise'" in result.stderr
    missing = cli("job", "validate", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == ExitCode.CONFIG
    assert "cannot read" in missing.stderr


def test_push_show_versions_and_diff(
    cli: Cli, files: dict[str, Path], installation: Installation
) -> None:
    pushed = cli.ok("job", "push", str(files["good.yaml"]), "--comment", "first")
    assert "created job adder version 1" in pushed.stdout
    draft = cli.ok("job", "push", str(files["bad.yaml"]))
    assert "saved job adder version 2 (a draft: it has errors)" in draft.stdout
    assert "unknown_program" in draft.stdout

    shown = cli.ok("job", "show", "adder", "--version", "1")
    assert yaml.safe_load(shown.stdout) == yaml.safe_load(GOOD)
    latest = cli.ok("job", "show", "adder", "--json")
    assert json.loads(latest.stdout)["nodes"][0]["id"] == "ghost"

    versions = cli.ok("job", "versions", "adder")
    assert "first" in versions.stdout
    assert versions.stdout.index("2") < versions.stdout.index("first")

    diff = cli.ok("job", "diff", "adder", "1", "2")
    assert "--- adder version 1" in diff.stdout and "+++ adder version 2" in diff.stdout
    assert "+  - id: ghost" in diff.stdout or "+- id: ghost" in diff.stdout
    assert "nodes added: ghost" in diff.stdout
    assert "nodes changed: add (bindings)" in diff.stdout
    assert "inputs removed: x" in diff.stdout
    same = cli.ok("job", "diff", "adder", "2", "2")
    assert "versions 2 and 2 of adder are the same" in same.stdout

    listing = cli.ok("job", "list")
    assert "adder" in listing.stdout and "admin" in listing.stdout
    with installation.database.session() as session:
        assert jobs.get_version(session, "adder").author == "admin"
    missing = cli("job", "show", "nosuch")
    assert missing.exit_code == ExitCode.NOT_FOUND


def test_locks_between_users(cli: Cli, files: dict[str, Path], installation: Installation) -> None:
    with installation.database.session() as session:
        for name in ("ann", "bob"):
            users.create_user(session, name, password=None, auth_source=AuthSource.HOST)
            roles.assign(session, "designer", PrincipalKind.USER, name)
    cli.ok("job", "push", str(files["good.yaml"]), "--user", "ann")
    locked = cli.ok("job", "lock", "adder", "--user", "ann")
    assert "job adder locked by ann" in locked.stdout
    # bob cannot even read ann's job; the administrator can, but not save over the lock.
    denied = cli("job", "show", "adder", "--user", "bob")
    assert denied.exit_code == ExitCode.DENIED
    busy = cli("job", "push", str(files["good.yaml"]))
    assert busy.exit_code == ExitCode.CONFLICT, describe(busy)
    assert "locked by ann since" in busy.stderr
    assert cli("job", "unlock", "adder").exit_code == ExitCode.CONFLICT
    cli.ok("job", "unlock", "adder", "--force")
    cli.ok("job", "push", str(files["good.yaml"]))
    with installation.database.session() as session:
        (event,) = audit.list_events(session, action="job.unlock.force").items
    assert (event.actor, event.detail["holder"]) == ("admin", "ann")
    assert cli("job", "list", "--user", "nobody").exit_code == ExitCode.NOT_FOUND


def test_installed_command_validates(
    cli: Cli, files: dict[str, Path], installation: Installation
) -> None:
    env = {**os.environ, **cli.env}
    args = [_baton_executable(), "--home", str(cli.home), "job", "validate"]
    for name, status in (("good.yaml", 0), ("bad.yaml", 1)):
        result = subprocess.run(
            [*args, str(files[name])],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == status, result.stdout + result.stderr
