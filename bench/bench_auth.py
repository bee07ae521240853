"""What authentication costs per request, against a real control plane.

Starts `baton serve` (uvicorn, one process) on a temporary home, then times sequential
requests from one client: the public /healthz (the baseline), GET /api/me with a Bearer token,
with the session cookie, with Basic credentials (cached after the first argon2 check), and
with a password never seen before, which pays the full argon2 check. Ratios are against the
baseline of the same run.

    .venv/bin/python bench/bench_auth.py [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def timed(count: int, call: Callable[[], httpx.Response]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BATON_HOME": home, "BATON_ADMIN_PASSWORD": password}
        env["BATON_PORT"] = "18931"
        baton = [sys.executable, "-m", "baton"]
        subprocess.run([*baton, "init"], env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [*baton, "serve"], env={**env, "BATON_LOG_LEVEL": "warning"}, cwd=Path(home)
        )
        url = "http://127.0.0.1:18931"
        try:
            wait_for(url)
            run(url, password, args.requests)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(url: str, password: str, count: int) -> None:
    with httpx.Client(base_url=url) as client:
        token = client.post("/api/tokens", json={"name": "bench"}, auth=("admin", password))
        bearer = {"Authorization": f"Bearer {token.json()['token']}"}
        signin = client.post("/api/session", json={"username": "admin", "password": password})
        signin.raise_for_status()
        cookie_jar = dict(client.cookies)
        client.cookies.clear()
        cases: dict[str, Callable[[], httpx.Response]] = {
            "GET /healthz (no auth, baseline)": lambda: client.get("/healthz"),
            "GET /api/me, Bearer token": lambda: client.get("/api/me", headers=bearer),
            "GET /api/me, session cookie": lambda: client.get("/api/me", cookies=cookie_jar),
            "GET /api/me, Basic (verified cache)": lambda: client.get(
                "/api/me", auth=("admin", password)
            ),
        }
        results = {name: timed(count, call) for name, call in cases.items()}
        # A password never seen before pays the full argon2 check. Eight wrong passwords show
        # it (the sign-in throttle answers at once from the tenth failure on).
        basic_cold = []
        for _ in range(8):
            other = secrets.token_urlsafe(8)
            started = time.perf_counter()
            client.get("/api/me", auth=("admin", other))  # 401 after a full argon2 check
            basic_cold.append(time.perf_counter() - started)
        results["GET /api/me, Basic, argon2 check (wrong password)"] = basic_cold
    baseline = statistics.median(results["GET /healthz (no auth, baseline)"])
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'case':55} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, samples in results.items():
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
        print(f"{name:55} {median * 1000:10.2f} {p95 * 1000:8.2f} {median / baseline:11.1f}")


if __name__ == "__main__":
    main()
