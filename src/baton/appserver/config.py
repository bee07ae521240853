"""The application server's command line, parsed into one frozen :class:`ServerConfig`.

::

    python -m baton.appserver --listen tcp:127.0.0.1:0 --library sample=/srv/programs \\
        --programs 4 --timeout 300 --grace 30
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Address:
    """Where the server listens: ``tcp:HOST:PORT`` (port 0: any free port) or ``unix:PATH``."""

    host: str | None = None
    port: int = 0
    path: Path | None = None

    @classmethod
    def parse(cls, text: str) -> Address:
        """The address ``text`` spells.

        Raises:
            ValueError: ``text`` is neither form.
        """
        scheme, _, rest = text.partition(":")
        if scheme == "unix" and rest:
            return cls(path=Path(rest).absolute())
        host, _, port = rest.rpartition(":")
        if scheme == "tcp" and host and port.isdigit() and int(port) <= 65535:
            return cls(host=host.strip("[]"), port=int(port))
        raise ValueError(f"{text!r} is not tcp:HOST:PORT or unix:PATH")


@dataclass(frozen=True)
class ServerConfig:
    """How an application server runs.

    Attributes:
        listen: where it listens.
        libraries: each program library's name and absolute folder.
        programs: how many programs it runs at once.
        timeout: the longest a request may run, in seconds (a REQUEST's shorter deadline wins).
        grace: on SIGTERM, seconds the active requests get to finish.
    """

    listen: Address
    libraries: Mapping[str, Path] = field(default_factory=dict)
    programs: int = 1
    timeout: float = 300.0
    grace: float = 30.0


def _library(text: str) -> tuple[str, Path]:
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=FOLDER")
    return name, Path(folder).absolute()


def _address(text: str) -> Address:
    try:
        return Address.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def parse_args(argv: Sequence[str] | None = None) -> ServerConfig:
    """The configuration the command line ``argv`` gives (``sys.argv[1:]`` by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m baton.appserver", description="Run a Baton application server."
    )
    parser.add_argument("--listen", type=_address, required=True, help="tcp:HOST:PORT or unix:PATH")
    parser.add_argument(
        "--library", type=_library, action="append", default=[], help="NAME=FOLDER (repeatable)"
    )
    parser.add_argument("--programs", type=_count, default=1, help="programs run at once")
    parser.add_argument("--timeout", type=_positive, default=300.0, help="request timeout (s)")
    parser.add_argument("--grace", type=_positive, default=30.0, help="SIGTERM grace period (s)")
    args = parser.parse_args(argv)
    return ServerConfig(
        listen=args.listen,
        libraries=dict(args.library),
        programs=args.programs,
        timeout=args.timeout,
        grace=args.grace,
    )
