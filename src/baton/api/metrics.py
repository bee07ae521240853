"""Prometheus metrics of the HTTP edge and the dispatcher, in a registry of the app's own."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.loadmanager.pool import ServicePool
from baton.loadmanager.states import ServerState


class Metrics:
    """The collectors one app exports at ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "baton_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "baton_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.broker_requests = Counter(
            "baton_broker_requests",
            "Broker requests answered, by service and status (0: the client left first).",
            ["service", "status"],
            registry=self.registry,
        )
        self.broker_duration = Histogram(
            "baton_broker_request_duration_seconds",
            "Time from a broker request's arrival to its end, by service.",
            ["service"],
            registry=self.registry,
        )

    def watch_pools(self, pools: Callable[[], Mapping[str, ServicePool]]) -> None:
        """Export the servers by state and the queue length of each live pool, at each scrape."""
        self.registry.register(_PoolCollector(pools))


class _PoolCollector(Collector):
    """Reads the pools when scraped (so the figures are never stale)."""

    def __init__(self, pools: Callable[[], Mapping[str, ServicePool]]) -> None:
        self._pools = pools

    def collect(self) -> Iterator[Metric]:
        servers = GaugeMetricFamily(
            "baton_dispatcher_servers",
            "Servers of each service, by state.",
            labels=["service", "state"],
        )
        busy = GaugeMetricFamily(
            "baton_dispatcher_busy_slots", "Slots in use, by service.", labels=["service"]
        )
        queue = GaugeMetricFamily(
            "baton_dispatcher_queue_length", "Requests waiting, by service.", labels=["service"]
        )
        for name, pool in sorted(self._pools().items()):
            for state in ServerState:
                count = sum(1 for server in pool.servers if server.state is state)
                servers.add_metric([name, state.value], count)
            busy.add_metric([name], sum(server.active for server in pool.servers))
            queue.add_metric([name], pool.queue_length)
        yield from (servers, busy, queue)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (never its raw path)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.duration.labels(scope["method"], template).observe(
                time.perf_counter() - started
            )
