"""The example jobs (``examples/``) run end to end from the REST API, the CLI and SOAP.

``daily_report`` fetches an exchange rate over HTTP: the test points its ``rates_url`` input at
a local server answering ``{"rate": 1.25, ...}``, so the report is deterministic.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baton.registry import tokens
from tests.runtime.conftest import Runtime
from tests.runtime.test_soap import admin_client, items

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class _Rates(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = json.dumps({"rate": 1.25, "date": "2026-11-22"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def rates() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Rates)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/latest"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def examples(runtime: Runtime) -> Runtime:
    with runtime.admin() as admin:
        for name in ("fan_out", "daily_report"):
            answer = admin.post(
                "/api/jobs",
                content=(EXAMPLES / f"{name}.yaml").read_bytes(),
                headers={"Content-Type": "application/yaml"},
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["valid"], answer.text
    return runtime


def _check_report(outputs: dict[str, Any]) -> None:
    # regions' total for 2024 times the rate, against the two quarters' targets
    assert outputs["beat_target"] in (True, False)
    assert outputs["total"] > 0


def test_the_examples_run_from_the_rest_api(examples: Runtime, rates: str) -> None:
    with examples.admin() as admin:
        fan = examples.run(admin, "fan_out")
        assert (fan["state"], fan["outputs"]) == ("SUCCEEDED", {"greeted": 5}), fan
        report = examples.run(admin, "daily_report", {"rates_url": rates})
        assert report["state"] == "SUCCEEDED", report
        _check_report(report["outputs"])
        nodes = {n["node"]: n for n in examples.detail(admin, report["id"])["nodes"]}
        assert nodes["rates"]["outputs"]["json"]["rate"] == 1.25
        said = "celebrate" if report["outputs"]["beat_target"] else "warn"
        assert nodes[said]["state"] == "SUCCEEDED"
        other = "warn" if said == "celebrate" else "celebrate"
        assert nodes[other]["state"] == "SKIPPED"


def test_the_examples_run_from_the_cli(examples: Runtime, rates: str, tmp_path: Path) -> None:
    with examples.installation.database.session() as session:
        issued = tokens.create_token(session, "admin", "examples", days=1, max_days=1)
    token = tmp_path / "token"
    token.write_text(issued.token + "\n")
    baton = [sys.executable, "-m", "baton"]
    sign_in = ["--url", examples.url, "--token-file", str(token)]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*baton, "job", "run", *args, *sign_in, "--wait", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )

    fan = run("fan_out", 'regions=["north", "south"]')
    assert fan.returncode == 0, fan.stderr
    assert json.loads(fan.stdout)["outputs"] == {"greeted": 2}
    report = run("daily_report", f"rates_url={rates}", "year=2024")
    assert report.returncode == 0, report.stderr
    _check_report(json.loads(report.stdout)["outputs"])


def test_the_examples_run_from_soap(examples: Runtime, rates: str) -> None:
    with admin_client(examples) as client:
        fan = client.service.RunJob(jobName="fan_out", waitSeconds=60)
        assert fan.state == "SUCCEEDED", fan
        outputs = client.service.GetRunOutputs(runId=fan.runId)
        assert items(outputs.outputs, "output") == {"greeted": "5"}
        report = client.service.RunJob(
            jobName="daily_report",
            inputs={"input": [{"name": "rates_url", "value": rates}]},
            waitSeconds=60,
        )
        assert report.state == "SUCCEEDED", report
        values = items(client.service.GetRunOutputs(runId=report.runId).outputs, "output")
        _check_report({name: json.loads(text) for name, text in values.items()})
