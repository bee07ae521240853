"""The Runtime Server end to end, against Prefect 3 and Luigi running the same work, in one run.

Two workloads, timed from submitting the run to its final state:

- W-seq: 40 light steps in sequence, each adding 1 to the previous step's result;
- W-fan: one start step, 100 light steps in parallel (each adds 1 to its item), one join that
  sums them.

Baton runs each step as a program (``bench.inc``, ``bench.total``) on a warm pool service,
through a real ``baton serve`` (REST ``POST /api/jobs/NAME/runs?wait=``, a runner process per
run, every node transition persisted in SQLite). The baseline measured in the same run is one
request for the same program through the broker (``/broker?_PROGRAM=bench.inc``): a step cannot
cost less than dispatching its program, so ``per step - broker request`` is what orchestrating
adds.

The peers run locally in the benchmark's own virtualenv (``bench/.peers``, created on first
use with Prefect 3 and Luigi; Prefect needs ``fastapi<0.155`` there): Prefect with its
ephemeral API server, Luigi with the local scheduler and one worker (which persists nothing).
For each, ``process`` is a whole fresh Python process running the workload once, ``warm`` a
second run inside that process.

    .venv/bin/python bench/orchestrate.py [--repeat 5] [--no-peers]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from baton.registry import libraries, services
from baton.registry.bootstrap import RUNNER_DEFINITION
from baton.registry.database import Database
from baton.registry.enums import ServiceKind
from baton.registry.specs import ServiceSettings, ServiceSpec
from baton.settings import load_settings

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PEER_PACKAGES = ["prefect>=3.4,<4", "fastapi<0.155", "luigi>=3.5"]
PASSWORD = "bench-password-1"
SEQ_STEPS = 40
FAN_STEPS = 100

INC = "def main(n: int) -> int:\n    return n + 1\n"
TOTAL = "def main(values: list[int]) -> int:\n    return sum(values)\n"


def seq_job() -> dict[str, object]:
    nodes: list[dict[str, object]] = []
    for index in range(1, SEQ_STEPS + 1):
        n = {"value": 0} if index == 1 else f"nodes.s{index - 1}.result"
        nodes.append(
            {"id": f"s{index}", "kind": "program", "program": "bench.inc", "service": "bench"}
            | {"bindings": {"n": n}}
        )
    edges = [{"from": f"s{i}", "to": f"s{i + 1}"} for i in range(1, SEQ_STEPS)]
    outputs = {"value": {"type": "integer", "value": f"nodes.s{SEQ_STEPS}.result"}}
    return {"name": "w_seq", "nodes": nodes, "edges": edges, "outputs": outputs}


def fan_job() -> dict[str, object]:
    program = {"kind": "program", "service": "bench"}
    items = "[" + ", ".join(str(i) for i in range(FAN_STEPS)) + "]"
    nodes = [
        {"id": "start", "program": "bench.inc", "bindings": {"n": {"value": 0}}} | program,
        {
            "id": "fan",
            "kind": "foreach",
            "items": items,
            "concurrency": FAN_STEPS,
            "collect": "nodes.step.result",
            "body": {
                "nodes": [
                    {"id": "step", "program": "bench.inc", "bindings": {"n": "item"}} | program
                ]
            },
        },
        {
            "id": "join",
            "program": "bench.total",
            "bindings": {"values": "nodes.fan.results"},
        }
        | program,
    ]
    edges = [{"from": "start", "to": "fan"}, {"from": "fan", "to": "join"}]
    outputs = {"value": {"type": "integer", "value": "nodes.join.result"}}
    return {"name": "w_fan", "nodes": nodes, "edges": edges, "outputs": outputs}


#: One step: what a run costs besides its steps (queue, runner, persisting, answering).
ONE_JOB = {
    "name": "w_one",
    "nodes": [
        {
            "id": "s1",
            "kind": "program",
            "program": "bench.inc",
            "service": "bench",
            "bindings": {"n": {"value": 0}},
        }
    ],
    "outputs": {"value": {"type": "integer", "value": "nodes.s1.result"}},
}

EXPECTED = {"w_one": 1, "w_seq": SEQ_STEPS, "w_fan": sum(range(1, FAN_STEPS + 1))}


# --- Baton ------------------------------------------------------------------------------------


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(folder: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "baton", "init"], env=env, check=True, capture_output=True
    )
    library = folder / "bench"
    library.mkdir()
    (library / "inc.py").write_text(INC)
    (library / "total.py").write_text(TOTAL)
    settings = load_settings(Path(env["BATON_HOME"]), environ={})
    database = Database(settings.registry_url)
    with database.session() as session:
        libraries.create_library(session, "bench", str(library))
        services.create_service(
            session,
            ServiceSpec(
                name="bench",
                kind=ServiceKind.POOL,
                server_definition="appserver",
                libraries=["bench"],
                settings=ServiceSettings(min_servers=2, max_servers=2, programs_per_server=32),
            ),
        )
        assert RUNNER_DEFINITION  # baton init made the runner definition (a warm runner)
    database.dispose()


@contextmanager
def serving(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "baton", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"baton serve did not start; see {log}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def baton_case(client: httpx.Client, job: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat + 1):  # the first warms the pool and the runner
        began = time.perf_counter()
        answer = client.post(f"/api/jobs/{job}/runs", json={}, params={"wait": 300})
        took = time.perf_counter() - began
        record = answer.json()
        if answer.status_code != 201 or record.get("state") != "SUCCEEDED":
            raise SystemExit(f"{job}: {answer.status_code} {answer.text[:500]}")
        if record["outputs"].get("value") != EXPECTED[job]:
            raise SystemExit(f"{job}: wrong result {record['outputs']}")
        samples.append(took)
    return samples[1:]


def broker_case(client: httpx.Client, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat + 5):
        began = time.perf_counter()
        answer = client.get(
            "/broker", params={"_PROGRAM": "bench.inc", "_SERVICE": "bench", "n": 1}
        )
        samples.append(time.perf_counter() - began)
        if answer.text.strip() != "2":
            raise SystemExit(f"broker: {answer.status_code} {answer.text[:300]}")
    return samples[5:]


def run_baton(repeat: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="baton-orchestrate-"))
    env = {**os.environ, "BATON_HOME": str(folder / "home"), "BATON_ADMIN_PASSWORD": PASSWORD}
    if os.geteuid() == 0:
        # The benchmark's home is root's alone; its servers run as root on purpose.
        env["BATON_SPAWNER__ALLOW_ROOT_SERVERS"] = "true"
    prepare(folder, env)
    port = free_port()
    results: dict[str, float] = {}
    with (
        serving(env, port, folder / "serve.log") as url,
        httpx.Client(base_url=url, auth=("admin", PASSWORD), timeout=600) as admin,
    ):
        # An API token, as a client program would use (HTTP Basic checks a password hash on
        # every request: a sign-in cost, not an orchestration one).
        token = admin.post("/api/tokens", json={"name": "bench"}).json()["token"]
        client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600
        )
        for document in (seq_job(), fan_job(), ONE_JOB):
            saved = client.post("/api/jobs", json=document)
            if saved.status_code != 201 or not saved.json().get("valid", True):
                raise SystemExit(f"saving {document['name']}: {saved.text[:800]}")
        results["broker"] = statistics.median(broker_case(client, repeat * 10))
        results["w_one"] = statistics.median(baton_case(client, "w_one", repeat))
        results["w_seq"] = statistics.median(baton_case(client, "w_seq", repeat))
        results["w_fan"] = statistics.median(baton_case(client, "w_fan", repeat))
        client.close()
    return results


# --- the peers --------------------------------------------------------------------------------

PREFECT = """
import json, sys, time
from prefect import flow, task

@task
def inc(n: int) -> int:
    return n + 1

@task
def total(values: list[int]) -> int:
    return sum(values)

@flow
def w_seq() -> int:
    n = 0
    for _ in range(SEQ):
        n = inc(n)
    return n

@flow
def w_fan() -> int:
    start = inc(0)
    futures = inc.map(list(range(FAN)))
    return total([f.result() for f in futures])

workload = {"w_seq": w_seq, "w_fan": w_fan}[sys.argv[1]]
began = time.perf_counter(); first = workload(); cold = time.perf_counter() - began
began = time.perf_counter(); second = workload(); warm = time.perf_counter() - began
print(json.dumps({"result": second, "first": cold, "warm": warm}))
"""

LUIGI = """
import json, sys, time
import luigi

RESULTS = {}

class Inc(luigi.Task):
    index = luigi.IntParameter()
    run_id = luigi.IntParameter()
    def requires(self):
        return [Inc(index=self.index - 1, run_id=self.run_id)] if self.index > 1 else []
    def complete(self):
        return (self.run_id, "inc", self.index) in RESULTS
    def run(self):
        before = RESULTS[(self.run_id, "inc", self.index - 1)] if self.index > 1 else 0
        RESULTS[(self.run_id, "inc", self.index)] = before + 1

class Item(luigi.Task):
    item = luigi.IntParameter()
    run_id = luigi.IntParameter()
    def requires(self):
        return [Start(run_id=self.run_id)]
    def complete(self):
        return (self.run_id, "item", self.item) in RESULTS
    def run(self):
        RESULTS[(self.run_id, "item", self.item)] = self.item + 1

class Start(luigi.Task):
    run_id = luigi.IntParameter()
    def complete(self):
        return (self.run_id, "start") in RESULTS
    def run(self):
        RESULTS[(self.run_id, "start")] = 1

class Join(luigi.Task):
    run_id = luigi.IntParameter()
    def requires(self):
        return [Item(item=i, run_id=self.run_id) for i in range(FAN)]
    def complete(self):
        return (self.run_id, "join") in RESULTS
    def run(self):
        RESULTS[(self.run_id, "join")] = sum(RESULTS[(self.run_id, "item", i)] for i in range(FAN))

def w_seq(run_id):
    luigi.build([Inc(index=SEQ, run_id=run_id)], local_scheduler=True, workers=1,
                log_level="ERROR", detailed_summary=False)
    return RESULTS[(run_id, "inc", SEQ)]

def w_fan(run_id):
    luigi.build([Join(run_id=run_id)], local_scheduler=True, workers=1, log_level="ERROR")
    return RESULTS[(run_id, "join")]

workload = {"w_seq": w_seq, "w_fan": w_fan}[sys.argv[1]]
began = time.perf_counter(); first = workload(1); cold = time.perf_counter() - began
began = time.perf_counter(); second = workload(2); warm = time.perf_counter() - began
print(json.dumps({"result": second, "first": cold, "warm": warm}))
"""


def peers_python() -> Path:
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    return python


def run_peer(python: Path, name: str, script: str, workload: str) -> dict[str, float]:
    source = script.replace("SEQ", str(SEQ_STEPS)).replace("FAN", str(FAN_STEPS))
    folder = Path(tempfile.mkdtemp(prefix=f"baton-{name}-"))
    path = folder / f"{name}_bench.py"
    path.write_text(source)
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect"), "PYTHONWARNINGS": "ignore"}
    env["PREFECT_LOGGING_LEVEL"] = "ERROR"
    began = time.perf_counter()
    done = subprocess.run(
        [str(python), str(path), workload],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=900,
    )
    process = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{name} {workload} failed:\n{done.stderr[-3000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer["result"] != EXPECTED[workload]:
        raise SystemExit(f"{name} {workload}: wrong result {answer['result']}")
    return {"process": process, "warm": float(answer["warm"])}


# --- the report -------------------------------------------------------------------------------


def report(baton: dict[str, float], peers: dict[str, dict[str, dict[str, float]]]) -> None:
    steps = {"w_seq": SEQ_STEPS, "w_fan": FAN_STEPS + 2}
    python = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")
    print(f"baseline: one broker request for bench.inc: {baton['broker'] * 1000:.2f} ms (median)")
    print(f"a one-step run, submit to final state: {baton['w_one'] * 1000:.1f} ms (median)")
    print()
    header = "| workload | Baton (s) | per step (ms) | per added step (ms) |"
    for name in peers:
        header += f" {name} process (s) | {name} warm (s) | {name} warm / Baton |"
    print(header)
    print("|---|---:|---:|---:|" + "---:|---:|---:|" * len(peers))
    for workload in ("w_seq", "w_fan"):
        seconds = baton[workload]
        per_step = seconds / steps[workload] * 1000
        added = (seconds - baton["w_one"]) / (steps[workload] - 1) * 1000
        name = workload.replace("_", "-").upper()
        row = f"| {name} | {seconds:.3f} | {per_step:.2f} | {added:.2f} |"
        for figures in peers.values():
            mine = figures[workload]
            row += f" {mine['process']:.2f} | {mine['warm']:.3f} | {mine['warm'] / seconds:.2f} |"
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each workload")
    parser.add_argument("--no-peers", action="store_true", help="Baton only")
    args = parser.parse_args()
    baton = run_baton(args.repeat)
    peers: dict[str, dict[str, dict[str, float]]] = {}
    if not args.no_peers:
        python = peers_python()
        for name, script in (("Prefect", PREFECT), ("Luigi", LUIGI)):
            peers[name] = {w: run_peer(python, name, script, w) for w in ("w_seq", "w_fan")}
    report(baton, peers)


if __name__ == "__main__":
    main()
