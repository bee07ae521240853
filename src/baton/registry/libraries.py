"""Program libraries: a name bound to a read-only folder of programs.

``_PROGRAM=lib.name`` resolves inside the folder of the library ``lib`` only; the path is set
by an administrator, never taken from a request.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, InvalidInput, NotFound
from baton.registry import access, audit
from baton.registry.enums import ResourceKind
from baton.registry.models import ProgramLibrary
from baton.registry.naming import check_name
from baton.registry.paging import paginate
from baton.registry.records import LibraryRecord, Page


def find(session: Session, name: str) -> ProgramLibrary | None:
    """The ORM library called ``name``, if any."""
    return session.scalar(select(ProgramLibrary).where(ProgramLibrary.name == name))


def load(session: Session, name: str) -> ProgramLibrary:
    """The ORM library called ``name``, or :class:`NotFound`."""
    row = find(session, name)
    if row is None:
        raise NotFound("library", name)
    return row


def _check_path(path: str) -> str:
    folder = Path(path)
    if not folder.is_absolute():
        raise InvalidInput("path", f"{path!r} must be an absolute path")
    if not folder.is_dir():
        raise InvalidInput("path", f"{path!r} is not a folder")
    return str(folder.resolve())


def create_library(
    session: Session, name: str, path: str, *, description: str = "", actor: str = ""
) -> LibraryRecord:
    """Register a folder of programs under ``name``."""
    check_name(name)
    if session.scalar(select(ProgramLibrary.id).where(ProgramLibrary.name == name)) is not None:
        raise AlreadyExists("library", name)
    row = ProgramLibrary(name=name, path=_check_path(path), description=description)
    session.add(row)
    session.flush()
    audit.record(session, "library.create", actor=actor, resource=f"library:{name}")
    return LibraryRecord.model_validate(row)


def update_library(
    session: Session,
    name: str,
    *,
    path: str | None = None,
    description: str | None = None,
    actor: str = "",
) -> LibraryRecord:
    """Change a library's folder or description."""
    row = load(session, name)
    if path is not None:
        row.path = _check_path(path)
    if description is not None:
        row.description = description
    session.flush()
    audit.record(session, "library.update", actor=actor, resource=f"library:{name}")
    return LibraryRecord.model_validate(row)


def get_library(session: Session, name: str) -> LibraryRecord:
    """The library called ``name``."""
    return LibraryRecord.model_validate(load(session, name))


def list_libraries(
    session: Session, *, names: set[str] | None = None, limit: int = 50, offset: int = 0
) -> Page[LibraryRecord]:
    """Libraries by name, optionally only those in ``names``."""
    statement = select(ProgramLibrary).order_by(ProgramLibrary.name)
    if names is not None:
        statement = statement.where(ProgramLibrary.name.in_(names))
    return paginate(session, statement, LibraryRecord.model_validate, limit=limit, offset=offset)


def all_names(session: Session) -> list[str]:
    """Every library's name."""
    return list(session.scalars(select(ProgramLibrary.name).order_by(ProgramLibrary.name)))


def delete_library(session: Session, name: str, *, actor: str = "") -> None:
    """Unregister a library (its folder is left alone)."""
    session.delete(load(session, name))
    access.drop_resource(session, ResourceKind.LIBRARY, name)
    audit.record(session, "library.delete", actor=actor, resource=f"library:{name}")
