"""``baton serve``: run the control plane, over HTTPS when given a certificate and its key."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated

import typer

from baton.cli.context import invocation
from baton.errors import ConfigError


def serve(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: port).", show_default=False)
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on (default: host).", show_default=False),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            metavar="FILE",
            help="PEM certificate (chain) to serve HTTPS with (default: tls_cert).",
            show_default=False,
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(
            "--tls-key",
            metavar="FILE",
            help="Its unencrypted PEM private key (default: tls_key).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the control plane: the REST API, SOAP, the broker, /healthz and /metrics (refuses
    an out-of-date registry, and a certificate or key it cannot use)."""
    overrides: dict[str, str | int] = {}
    if port is not None:
        overrides["port"] = port
    if host is not None:
        overrides["host"] = host
    # Flags name files from the current directory; settings, from BATON_HOME.
    if tls_cert is not None:
        overrides["tls_cert"] = str(tls_cert.absolute())
    if tls_key is not None:
        overrides["tls_key"] = str(tls_key.absolute())
    context = invocation(ctx)
    settings = context.settings(**overrides)
    tls = settings.tls_paths
    if tls is not None:
        check_tls(*tls)
    database = context.database()  # raises SchemaOutOfDate before anything listens

    # Imported here: the web stack is heavy and no other command needs it.
    import uvicorn

    from baton.api.app import create_app

    uvicorn.run(
        create_app(settings, database),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
    )


def check_tls(cert: Path, key: Path) -> None:
    """Refuse a certificate and key that a TLS server could not load, saying why.

    Raises:
        ConfigError: a file is missing or unreadable, is not PEM, the key is encrypted, or
            the key does not belong to the certificate.
    """
    for setting, path in (("tls_cert", cert), ("tls_key", key)):
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"{setting}: cannot read {path}: {exc.strerror}", key=setting
            ) from None

    def no_password() -> bytes:
        raise ConfigError(f"tls_key: {key} is encrypted; give an unencrypted key", key="tls_key")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=no_password)
    except ssl.SSLError as exc:
        reason = (exc.reason or "not PEM").lower().replace("_", " ")
        raise ConfigError(
            f"tls_cert: {cert} and tls_key: {key} are not a PEM certificate and its private "
            f"key ({reason})",
            key="tls_cert",
        ) from None
