"""Request bodies of the API: strict (unknown fields are 422), bounded, documented."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from baton.registry.enums import Action, AuthSource, Capability, PrincipalKind, ResourceKind
from baton.registry.records import Record, UserRecord

NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
OS_USER = r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignInBody(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SessionInfo(Record):
    """A browser session just begun: send ``csrf_token`` as X-CSRF-Token on changes."""

    user: UserRecord
    csrf_token: str


class Me(Record):
    """Who is calling, and what they may do."""

    user: UserRecord
    capabilities: tuple[Capability, ...]
    groups: tuple[str, ...]
    method: str = Field(description="How this request was authenticated.")


class OwnPasswordBody(Body):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordBody(Body):
    password: str = Field(min_length=1, max_length=1024)


class UserCreate(Body):
    name: str = Field(pattern=NAME)
    password: str | None = Field(None, max_length=1024, description="Required for local users.")
    display_name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    auth_source: AuthSource = AuthSource.LOCAL


class UserUpdate(Body):
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    disabled: bool | None = None


class GroupCreate(Body):
    name: str = Field(pattern=NAME)
    description: str = Field("", max_length=500)


class RoleCreate(Body):
    name: str = Field(pattern=NAME)
    capabilities: list[Capability] = Field(max_length=16)
    description: str = Field("", max_length=500)


class RoleUpdate(Body):
    capabilities: list[Capability] | None = Field(None, max_length=16)
    description: str | None = Field(None, max_length=500)


class Assignment(Body):
    principal_kind: PrincipalKind
    principal: str = Field(pattern=NAME)


class GrantBody(Body):
    principal_kind: PrincipalKind
    principal: str = Field(pattern=NAME)
    resource_kind: ResourceKind
    resource_name: str = Field(min_length=1, max_length=200)
    action: Action


class TokenCreate(Body):
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650, description="Lifetime; default from settings.")


class LibraryCreate(Body):
    name: str = Field(pattern=NAME)
    path: str = Field(min_length=1, max_length=1024, description="Absolute folder on the server.")
    description: str = Field("", max_length=500)


class LibraryUpdate(Body):
    path: str | None = Field(None, min_length=1, max_length=1024)
    description: str | None = Field(None, max_length=500)


class HostCreate(Body):
    name: str = Field(pattern=NAME)
    address: str = Field("", max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    description: str = Field("", max_length=500)


class HostUpdate(Body):
    address: str | None = Field(None, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    description: str | None = Field(None, max_length=500)
    enabled: bool | None = None


class CredentialCreate(Body):
    name: str = Field(pattern=NAME)
    username: str = Field(pattern=OS_USER, description="OS account servers run as.")
    secret: str = Field(min_length=1, max_length=4096, description="Stored encrypted; never shown.")
    description: str = Field("", max_length=500)


class CredentialUpdate(Body):
    username: str | None = Field(None, pattern=OS_USER)
    secret: str | None = Field(None, min_length=1, max_length=4096)
    description: str | None = Field(None, max_length=500)


class Health(Record):
    status: str
    version: str
    database: str
