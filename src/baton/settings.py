"""Baton's settings: ``baton.toml`` in ``BATON_HOME`` plus ``BATON_*`` environment variables.

Precedence, highest first: values passed in code, environment variables, ``baton.toml``, the
defaults below. Each part has its own section (``[auth]``, ``[secrets]``, ``[api]``,
``[dispatcher]``) and its own settings class; in the environment a section's key is
``BATON_<SECTION>__<KEY>`` (``BATON_AUTH__PAM_ENABLED=true``). An unknown key, in the file
or as a ``BATON_`` variable, fails start-up with the key's name: a typo never silently falls
back to a default.

Settings are loaded once at the edge (:func:`load_settings`) and passed down.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from baton.errors import ConfigError

ENV_PREFIX = "BATON_"
CONFIG_FILE = "baton.toml"
#: Environment variables with this prefix belong to the test suite, not to Baton.
_FOREIGN_ENV_PREFIXES = ("BATON_TEST_",)


class SecretAlgorithm(StrEnum):
    """Authenticated ciphers for stored credentials (both take 256-bit keys)."""

    AES_256_GCM = "aes-256-gcm"
    CHACHA20_POLY1305 = "chacha20-poly1305"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthSettings(_Section):
    """Sign-in, sessions and tokens."""

    session_cookie: str = Field("baton_session", description="Name of the browser session cookie.")
    session_max_age: int = Field(
        8 * 3600, ge=60, description="Seconds a browser session stays valid after sign-in."
    )
    secure_cookie: bool = Field(
        False, description="Send the session cookie only over HTTPS (set when served over TLS)."
    )
    token_default_days: int = Field(
        90, ge=1, description="Days an API token lives when its creator names no expiry."
    )
    token_max_days: int = Field(365, ge=1, description="Longest expiry an API token may have.")
    throttle_failures: int = Field(
        10, ge=1, description="Failed sign-ins per account or address before it is throttled."
    )
    throttle_window: float = Field(
        300, gt=0, description="Seconds over which failed sign-ins count towards the throttle."
    )
    pam_enabled: bool = Field(
        False, description="Also check passwords of host-authenticated users against PAM."
    )
    pam_service: str = Field("login", description="PAM service name used for host sign-in.")
    pam_create_users: bool = Field(
        False, description="Create a registry user on a host account's first successful sign-in."
    )


class SecretsSettings(_Section):
    """Encryption of stored (launch) credentials."""

    algorithm: SecretAlgorithm = Field(
        SecretAlgorithm.AES_256_GCM, description="Cipher for new secrets and for rotation."
    )
    key_file: str = Field(
        "secret.key", description="Key ring file, relative to BATON_HOME; kept with mode 0600."
    )


class ApiSettings(_Section):
    """The HTTP edge."""

    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body accepted on /api (413 beyond)."
    )
    page_size: int = Field(50, ge=1, le=1000, description="Default page size of list endpoints.")
    max_page_size: int = Field(500, ge=1, le=10000, description="Largest page a client may ask.")
    metrics_public: bool = Field(
        False, description="Serve /metrics without credentials (else the operate capability)."
    )


class DispatcherSettings(_Section):
    """The Application Dispatcher: broker, load manager, services."""

    default_service: str = Field(
        "default", description="Service of a broker request that names no _SERVICE."
    )
    max_body_bytes: int = Field(
        15 * 1024 * 1024,
        ge=1024,
        le=15 * 1024 * 1024,
        description="Largest broker request body, uploads included (413 beyond; at most 15 MiB, "
        "so that a request fits in one frame).",
    )
    run_dir: str = Field(
        "run", description="Folder for servers' sockets, relative to BATON_HOME (mode 0700)."
    )
    refresh_seconds: float = Field(
        2.0, ge=0, description="Seconds a service's registry definition is cached by the broker."
    )
    services: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Services defined in baton.toml ([dispatcher.services.NAME] tables with the "
        "fields of a registry service); they are read-only and win over registry services "
        "of the same name.",
    )

    @field_validator("services")
    @classmethod
    def _valid_services(cls, services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from baton.registry.specs import ServiceSpec

        for name, fields in services.items():
            ServiceSpec.model_validate({**fields, "name": name})
        return services


class JobsSettings(_Section):
    """Orchestration jobs: the Design Server and the Runtime Server."""

    openapi_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts (host or host:port) the Design Server may fetch a service node's "
        "OpenAPI document from, to read its operation's inputs and outputs; empty: none "
        "(nodes declare their schema instead).",
    )
    openapi_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds to fetch an OpenAPI document."
    )
    max_concurrent_runs: int = Field(
        4,
        ge=1,
        le=1000,
        description="Runs running at once; more wait in a FIFO queue (child runs of a running "
        "run do not count: they are part of their parent's slot).",
    )
    runner_definition: str = Field(
        "runner", description="The server definition (kind runner) whose servers run jobs."
    )
    max_resumes: int = Field(
        3, ge=0, le=100, description="Times a crashed run is resumed before it stays CRASHED."
    )
    cancel_grace: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Seconds a cancelled run has to stop before its runner is killed.",
    )
    file_poll_seconds: float = Field(
        0.5, gt=0, le=60, description="How often a file wait looks at its folder."
    )


class SpawnerSettings(_Section):
    """The Object Spawner: how this host's spawner supervises its servers."""

    control_plane: str = Field(
        "", description="URL of the control plane `baton spawner` joins (http://host:port)."
    )
    token: SecretStr | None = Field(
        None, description="This host's token for joining the control plane (from POST /api/hosts)."
    )
    listen: str = Field(
        "127.0.0.1", description="Address `baton spawner` listens on for client requests."
    )
    port: int = Field(8451, ge=0, le=65535, description="Port `baton spawner` listens on.")
    state_dir: str = Field(
        "spawner",
        description="Folder (relative to BATON_HOME) where the spawner keeps the state that lets "
        "a restarted spawner re-adopt its servers.",
    )
    tick_seconds: float = Field(
        0.5, gt=0, le=60, description="Seconds between two passes of the reconcile loop."
    )
    stop_grace: float = Field(
        10.0, ge=0, description="Seconds a server has after SIGTERM before SIGKILL."
    )
    backoff_seconds: float = Field(
        1.0, gt=0, description="First delay before restarting a server that died; doubles."
    )
    max_backoff_seconds: float = Field(
        60.0, gt=0, description="Longest delay between two restarts of a server."
    )
    flap_restarts: int = Field(
        5, ge=1, description="Restarts within flap_window that mark a definition FAILED."
    )
    flap_window: float = Field(
        60.0, gt=0, description="Seconds over which restarts are counted for flapping."
    )
    allow_root_servers: bool = Field(
        False, description="Let a launch credential name root (uid 0); refused by default."
    )
    server_account: str = Field(
        "",
        max_length=32,
        description="OS account that servers of definitions without a launch credential run "
        "as when the spawner runs as root (`baton init --server-account NAME` creates it); "
        "empty: such definitions are refused.",
    )
    check_launch_passwords: bool = Field(
        True, description="Check a launch credential's password against the host (PAM)."
    )
    pam_service: str = Field("login", description="PAM service used to check launch passwords.")


_home: ContextVar[Path | None] = ContextVar("baton_settings_home", default=None)
_environ: ContextVar[Mapping[str, str] | None] = ContextVar("baton_settings_environ", default=None)


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``baton.toml`` from the home being loaded."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        home = _home.get()
        if home is None:
            return {}
        values = read_config_file(home / CONFIG_FILE)
        if "home" in values:
            raise ConfigError(
                f"{home / CONFIG_FILE}: 'home' cannot be set in the file it lives in; "
                "use --home or BATON_HOME",
                key="home",
            )
        return values


class _EnvSource(EnvSettingsSource):
    """Reads ``BATON_*`` variables from the environment being loaded (the one that was checked)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _environ.get()
        if environ is None:
            return super()._load_env_vars()
        return {(k if self.case_sensitive else k.lower()): v for k, v in environ.items()}


class Settings(BaseSettings):
    """Settings of a Baton installation (one control plane)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    home: Path = Field(
        Path(".baton"), description="Folder with the registry, key files and program libraries."
    )
    host: str = Field("127.0.0.1", description="Address `baton serve` listens on.")
    port: int = Field(8080, ge=0, le=65535, description="Port `baton serve` listens on.")
    tls_cert: Path | None = Field(
        None,
        description="PEM certificate (chain) `baton serve` serves HTTPS with, relative to "
        "BATON_HOME; set with tls_key. Not set: plain HTTP.",
    )
    tls_key: Path | None = Field(
        None,
        description="Unencrypted PEM private key of tls_cert, relative to BATON_HOME.",
    )
    web_dist: Path | None = Field(
        None,
        description="Folder of the built web client (index.html and assets/). Not set: web/dist "
        "of the checkout Baton runs from (`make serve` builds it).",
    )
    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL of the registry; default a SQLite file in BATON_HOME. "
        "PostgreSQL: postgresql://user:password@host/db",
    )
    admin_password: SecretStr | None = Field(
        None, description="Password `baton init` gives the admin user (else one is generated)."
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    auth: AuthSettings = Field(default_factory=AuthSettings, description="Sign-in and tokens.")
    secrets: SecretsSettings = Field(
        default_factory=SecretsSettings, description="Encryption of stored credentials."
    )
    api: ApiSettings = Field(default_factory=ApiSettings, description="The HTTP API.")
    dispatcher: DispatcherSettings = Field(
        default_factory=DispatcherSettings, description="The Application Dispatcher."
    )
    spawner: SpawnerSettings = Field(
        default_factory=SpawnerSettings, description="The Object Spawner of this host."
    )
    jobs: JobsSettings = Field(
        default_factory=JobsSettings, description="Orchestration jobs: the Design Server."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _EnvSource(settings_cls), _TomlSource(settings_cls))

    @property
    def registry_url(self) -> str:
        """The registry's database URL (the SQLite default resolved inside ``home``)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.home / 'registry.db').resolve()}"

    @property
    def run_path(self) -> Path:
        """Where servers' sockets live."""
        return self.home / self.dispatcher.run_dir

    @property
    def spawner_state_path(self) -> Path:
        """Where the spawner keeps the state of its servers."""
        return self.home / self.spawner.state_dir

    @property
    def tls_paths(self) -> tuple[Path, Path] | None:
        """The certificate and key files `baton serve` serves HTTPS with (None: plain HTTP).

        Raises:
            ConfigError: only one of ``tls_cert`` and ``tls_key`` is set.
        """
        if self.tls_cert is None and self.tls_key is None:
            return None
        if self.tls_cert is None or self.tls_key is None:
            missing = "tls_key" if self.tls_key is None else "tls_cert"
            raise ConfigError(
                "tls_cert and tls_key go together: set both (or neither)", key=missing
            )
        return self.home / self.tls_cert, self.home / self.tls_key

    @property
    def key_path(self) -> Path:
        """Where the credential key ring lives."""
        return self.home / self.secrets.key_file


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse ``baton.toml``; a missing file is an empty configuration."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _check_environment(env: Mapping[str, str]) -> None:
    """Refuse ``BATON_*`` variables that name no setting."""
    for name in env:
        if not name.startswith(ENV_PREFIX) or name.startswith(_FOREIGN_ENV_PREFIXES):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        model: type[BaseModel] = Settings
        for depth, part in enumerate(parts):
            field = model.model_fields.get(part)
            if field is None:
                raise ConfigError(f"unknown setting {name} in the environment", key=name)
            annotation = field.annotation
            is_section = isinstance(annotation, type) and issubclass(annotation, _Section)
            if is_section and depth < len(parts) - 1:
                assert isinstance(annotation, type)
                model = annotation
            elif depth < len(parts) - 1:
                raise ConfigError(f"unknown setting {name} in the environment", key=name)


def load_settings(
    home: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Load the settings of the installation at ``home`` (or ``$BATON_HOME``, or ``./.baton``).

    Raises:
        ConfigError: naming the first unknown key or invalid value.
    """
    env = os.environ if environ is None else environ
    _check_environment(env)
    if home is None:
        home = Path(env.get("BATON_HOME", ".baton"))
    token, env_token = _home.set(home), _environ.set(env)
    try:
        return Settings(home=home, **overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"setting {key}: {first['msg']}", key=key) from exc
    finally:
        _home.reset(token)
        _environ.reset(env_token)


def _mask_url(url: str) -> str:
    """Hide the password in a database URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}" if ":" in credentials else url


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """The effective settings as ``(key, value, description)`` rows, secrets masked."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            key = f"{prefix}{name}"
            if isinstance(value, _Section):
                walk(value, f"{key}.")
                continue
            if name == "database_url":
                shown = _mask_url(settings.registry_url)
            elif isinstance(value, SecretStr):
                shown = "********"
            elif value is None:
                shown = "(not set)"
            else:
                shown = str(value)
            rows.append((key, shown, field.description or ""))

    walk(settings, "")
    return rows
