"""The application server's command line, parsed into one frozen :class:`ServerConfig`.

::

    python -m baton.appserver --listen tcp:127.0.0.1:0 --library sample=/srv/programs \\
        --programs 4 --timeout 300 --grace 30 [--once]

A server started by the spawner's supervisor also finds a key in its environment
(``BATON_SERVER_KEY``): :func:`take_key` removes it from there before any program runs, and
the server then requires every connection to open with a valid HELLO.

The zygote's command line (``python -m baton.appserver.zygote``) is here too, as a
:class:`ZygoteConfig`: it shares the serving options (:func:`add_serving_options`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from baton.protocol.tickets import KEY_VARIABLE


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
        once: serve one request, then exit; stay while it left a live session (launch mode).
        key: the server's key: every connection must open with a HELLO proving a lease on it
            (:mod:`baton.protocol.tickets`); None accepts any connection.
    """

    listen: Address
    libraries: Mapping[str, Path] = field(default_factory=dict)
    programs: int = 1
    timeout: float = 300.0
    grace: float = 30.0
    once: bool = False
    key: str | None = field(default=None, repr=False)


def parse_library(text: str) -> tuple[str, Path]:
    """``NAME=FOLDER`` as a library's name and absolute folder (an argparse type)."""
    name, sep, folder = text.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=FOLDER")
    return name, Path(folder).absolute()


def _address(text: str) -> Address:
    try:
        return Address.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_positive(text: str) -> float:
    """A finite number of seconds above 0 (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def parse_count(text: str, *, least: int = 1) -> int:
    """A whole number of at least ``least`` (an argparse type with the default ``least``)."""
    if not text.isdigit() or int(text) < least:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer of at least {least}")
    return int(text)


def add_serving_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of every process that serves programs: libraries, slots, timeouts."""
    parser.add_argument(
        "--library",
        type=parse_library,
        action="append",
        default=[],
        help="NAME=FOLDER (repeatable)",
    )
    parser.add_argument("--programs", type=parse_count, default=1, help="programs run at once")
    parser.add_argument("--timeout", type=parse_positive, default=300.0, help="request timeout (s)")
    parser.add_argument(
        "--grace", type=parse_positive, default=30.0, help="SIGTERM grace period (s)"
    )


def take_key(environ: MutableMapping[str, str] = os.environ) -> str | None:
    """Remove the server key from ``environ`` and return it; None when it is unset or empty.

    The server calls it as it starts, so that the programs it runs (in its process, or as child
    processes inheriting its environment) never see the key.
    """
    return environ.pop(KEY_VARIABLE, "") or None


def parse_args(argv: Sequence[str] | None = None) -> ServerConfig:
    """The configuration the command line ``argv`` gives (``sys.argv[1:]`` by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m baton.appserver", description="Run a Baton application server."
    )
    parser.add_argument("--listen", type=_address, required=True, help="tcp:HOST:PORT or unix:PATH")
    add_serving_options(parser)
    parser.add_argument(
        "--once", action="store_true", help="exit after one request unless it left a session"
    )
    args = parser.parse_args(argv)
    return ServerConfig(
        listen=args.listen,
        libraries=dict(args.library),
        programs=args.programs,
        timeout=args.timeout,
        grace=args.grace,
        once=args.once,
    )


@dataclass(frozen=True)
class ZygoteConfig:
    """How a zygote runs.

    Attributes:
        control: the Unix socket it listens on for FORK commands.
        sockets: the folder where its children's sockets go (created with mode 0700).
        libraries: each program library's name and absolute folder.
        programs: programs each child runs at once.
        timeout: the longest a request may run in a child, in seconds.
        grace: on SIGTERM, seconds the children get to finish.
        preload: modules imported before forking, so programs find them warm.
        spare: children kept forked ahead, listening.
    """

    control: Path
    sockets: Path
    libraries: Mapping[str, Path] = field(default_factory=dict)
    programs: int = 1
    timeout: float = 300.0
    grace: float = 30.0
    preload: tuple[str, ...] = ()
    spare: int = 1

    def server_config(self, path: Path) -> ServerConfig:
        """The configuration of a child listening on ``path``."""
        return ServerConfig(
            listen=Address(path=path),
            libraries=self.libraries,
            programs=self.programs,
            timeout=self.timeout,
            grace=self.grace,
            once=True,
        )


def parse_zygote_args(argv: Sequence[str] | None = None) -> ZygoteConfig:
    """The configuration the command line ``argv`` gives (``sys.argv[1:]`` by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m baton.appserver.zygote",
        description="Fork pre-warmed Baton application servers for launch services.",
    )
    parser.add_argument("--control", type=Path, required=True, help="control socket path")
    parser.add_argument("--sockets", type=Path, required=True, help="folder of children's sockets")
    add_serving_options(parser)
    parser.add_argument(
        "--preload", action="append", default=[], help="module to import up front (repeatable)"
    )
    parser.add_argument(
        "--spare",
        type=lambda text: parse_count(text, least=0),
        default=1,
        help="children forked ahead",
    )
    args = parser.parse_args(argv)
    return ZygoteConfig(
        control=args.control.absolute(),
        sockets=args.sockets.absolute(),
        libraries=dict(args.library),
        programs=args.programs,
        timeout=args.timeout,
        grace=args.grace,
        preload=tuple(args.preload),
        spare=args.spare,
    )
