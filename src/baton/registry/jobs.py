"""The content store of orchestration jobs: immutable numbered versions and edit locks.

Every save adds a version (1, 2, 3, ...) with its author, time and comment; a version is never
changed afterwards, and restoring an old one saves its document again as the newest. The
store keeps documents as plain JSON data and does not read them (``baton.jobs.design`` parses
and validates them); it only keeps the document's ``name`` equal to the job's current name, on
save and on read, so an old version read after a rename carries the new name.

An editor takes the job's edit lock while editing; while another user holds it, saving,
restoring, renaming and deleting are refused with :class:`~baton.errors.JobLocked` naming the
holder and the time. Taking one's own lock again refreshes it; an unlocked job can be saved by
anyone allowed to. ``unlock(force=True)`` breaks another user's lock (the caller checks that
the user may: ``administer`` on the job or the capability) and is audited as
``job.unlock.force`` with the previous holder.

The creator of a job is granted ``administer`` on it; grants follow a rename and go with a
delete. A job that has runs cannot be deleted (runs pin the version they ran).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from baton.errors import AlreadyExists, Conflict, InvalidInput, JobLocked, NotFound
from baton.registry import access, audit, users
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from baton.registry.models import Job, JobVersion, Run, Schedule, User, utcnow
from baton.registry.naming import check_resource_name
from baton.registry.paging import paginate
from baton.registry.records import JobRecord, JobVersionInfo, JobVersionRecord, Page

#: A job's name: a letter, then letters, digits, ``_ - .``; every dotted part starts with a
#: letter (so that the name is also a permission's resource name).
_JOB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z][A-Za-z0-9_-]{0,63})*")
#: The longest job name.
MAX_NAME = 128
#: Names the API's own paths use under ``/api/jobs/`` (a job so named could not be shown).
RESERVED_NAMES = frozenset({"schema", "rules", "validate"})
#: The longest comment kept with a version.
MAX_COMMENT = 1000
KIND = ResourceKind.JOB


def check_job_name(name: str, field: str = "name") -> str:
    """Return ``name`` if a job may be called so.

    Raises:
        InvalidInput: not a valid name, or a reserved one.
    """
    if len(name) > MAX_NAME or not _JOB_NAME.fullmatch(name):
        raise InvalidInput(
            field,
            f"{name!r} is not a valid job name (letters, digits, _ and -, in parts joined by "
            f"dots that each start with a letter; at most {MAX_NAME} characters)",
        )
    if name in RESERVED_NAMES:
        raise InvalidInput(field, f"{name!r} is reserved: choose another job name")
    return check_resource_name(name, field)


def _resource(name: str) -> str:
    return f"{KIND}:{name}"


def _comment(comment: str) -> str:
    return comment[:MAX_COMMENT]


def find(session: Session, name: str) -> Job | None:
    """The ORM job called ``name``, if any."""
    return session.scalar(select(Job).where(Job.name == name))


def load(session: Session, name: str, *, for_update: bool = False) -> Job:
    """The ORM job called ``name`` (row-locked with ``for_update``), or :class:`NotFound`."""
    statement = select(Job).where(Job.name == name)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None:
        raise NotFound("job", name)
    return row


def _user_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(User.name).where(User.id == user_id))


def _to_record(session: Session, row: Job) -> JobRecord:
    updated = session.scalar(
        select(JobVersion.created_at).where(
            JobVersion.job_id == row.id, JobVersion.version == row.latest_version
        )
    )
    holder = _user_name(session, row.locked_by_id)
    return JobRecord(
        id=row.id,
        name=row.name,
        description=row.description,
        owner=_user_name(session, row.owner_id),
        latest_version=row.latest_version,
        locked_by=holder,
        locked_at=row.locked_at if holder is not None else None,
        created_at=row.created_at,
        updated_at=updated or row.created_at,
    )


def _check_not_locked_by_other(session: Session, row: Job, user: str) -> None:
    """Raise :class:`JobLocked` when a user other than ``user`` holds ``row``'s lock."""
    holder = _user_name(session, row.locked_by_id)
    if holder is not None and holder != user:
        since = row.locked_at.isoformat(timespec="seconds") if row.locked_at else "?"
        raise JobLocked(row.name, holder, since)


def _document(document: dict[str, Any], name: str) -> dict[str, Any]:
    """``document`` with its ``name`` set to ``name``, first among its keys."""
    return {"name": name, **{key: value for key, value in document.items() if key != "name"}}


def _description(document: dict[str, Any]) -> str:
    value = document.get("description", "")
    return value[:1000] if isinstance(value, str) else ""


def _add_version(
    session: Session, row: Job, document: dict[str, Any], *, author: str, comment: str
) -> JobVersion:
    row.latest_version += 1
    row.description = _description(document)
    version = JobVersion(
        job_id=row.id,
        version=row.latest_version,
        document=_document(document, row.name),
        author=author,
        comment=_comment(comment),
    )
    session.add(version)
    session.flush()
    return version


def _version_record(row: Job, version: JobVersion) -> JobVersionRecord:
    return JobVersionRecord(
        name=row.name,
        version=version.version,
        author=version.author,
        comment=version.comment,
        created_at=version.created_at,
        document=_document(dict(version.document), row.name),
    )


def create_job(
    session: Session, name: str, document: dict[str, Any], *, author: str, comment: str = ""
) -> JobVersionRecord:
    """Store a new job as its version 1; ``author`` (a registry user, when one has that
    name) owns it and is granted ``administer`` on it.

    Raises:
        InvalidInput: ``name`` is not a valid job name.
        AlreadyExists: a job has that name.
    """
    check_job_name(name)
    if session.scalar(select(Job.id).where(Job.name == name)) is not None:
        raise AlreadyExists("job", name)
    owner = users.find(session, author)
    row = Job(name=name, owner_id=owner.id if owner else None, latest_version=0)
    session.add(row)
    session.flush()
    version = _add_version(session, row, document, author=author, comment=comment)
    if owner is not None:
        access.grant(
            session, PrincipalKind.USER, author, KIND, name, Action.ADMINISTER, granted_by=author
        )
    audit.record(
        session, "job.create", actor=author, resource=_resource(name), detail={"version": 1}
    )
    return _version_record(row, version)


def save_version(
    session: Session, name: str, document: dict[str, Any], *, author: str, comment: str = ""
) -> JobVersionRecord:
    """Store ``document`` as the job's next version.

    Raises:
        NotFound: no such job.
        JobLocked: another user holds its lock.
    """
    row = load(session, name, for_update=True)
    _check_not_locked_by_other(session, row, author)
    version = _add_version(session, row, document, author=author, comment=comment)
    audit.record(
        session,
        "job.update",
        actor=author,
        resource=_resource(name),
        detail={"version": version.version},
    )
    return _version_record(row, version)


def _load_version(session: Session, row: Job, version: int | None) -> JobVersion:
    number = row.latest_version if version is None else version
    found = session.scalar(
        select(JobVersion).where(JobVersion.job_id == row.id, JobVersion.version == number)
    )
    if found is None:
        raise NotFound("job version", f"{row.name} version {number}")
    return found


def get_version(session: Session, name: str, version: int | None = None) -> JobVersionRecord:
    """A version of the job (None: the latest), with its document.

    Raises:
        NotFound: no such job or version.
    """
    row = load(session, name)
    return _version_record(row, _load_version(session, row, version))


def get_job(session: Session, name: str) -> JobRecord:
    """The job called ``name``: latest version, owner, lock."""
    return _to_record(session, load(session, name))


def list_jobs(
    session: Session, *, names: set[str] | None = None, limit: int = 50, offset: int = 0
) -> Page[JobRecord]:
    """Jobs by name, optionally only those in ``names``."""
    statement = select(Job).order_by(Job.name)
    if names is not None:
        statement = statement.where(Job.name.in_(names))
    return paginate(
        session, statement, lambda row: _to_record(session, row), limit=limit, offset=offset
    )


def all_names(session: Session) -> list[str]:
    """Every job's name."""
    return list(session.scalars(select(Job.name).order_by(Job.name)))


def list_versions(
    session: Session, name: str, *, limit: int = 50, offset: int = 0
) -> Page[JobVersionInfo]:
    """The job's versions, newest first."""
    row = load(session, name)
    statement = (
        select(JobVersion).where(JobVersion.job_id == row.id).order_by(JobVersion.version.desc())
    )
    return paginate(session, statement, JobVersionInfo.model_validate, limit=limit, offset=offset)


def restore(
    session: Session, name: str, version: int, *, author: str, comment: str = ""
) -> JobVersionRecord:
    """Save the document of an old version again, as the newest.

    Raises:
        NotFound: no such job or version.
        JobLocked: another user holds its lock.
    """
    row = load(session, name, for_update=True)
    _check_not_locked_by_other(session, row, author)
    old = _load_version(session, row, version)
    text = comment or f"restored version {version}"
    saved = _add_version(session, row, dict(old.document), author=author, comment=text)
    audit.record(
        session,
        "job.restore",
        actor=author,
        resource=_resource(name),
        detail={"version": saved.version, "from": version},
    )
    return _version_record(row, saved)


def lock(session: Session, name: str, user: str) -> JobRecord:
    """Take the job's edit lock for ``user`` (taking one's own again refreshes it).

    Raises:
        NotFound: no such job or user.
        JobLocked: another user holds it.
    """
    row = load(session, name, for_update=True)
    holder = users.load(session, user)
    _check_not_locked_by_other(session, row, user)
    refreshed = row.locked_by_id == holder.id
    row.locked_by_id = holder.id
    row.locked_at = utcnow()
    session.flush()
    audit.record(
        session,
        "job.lock",
        actor=user,
        resource=_resource(name),
        detail={"refreshed": refreshed},
    )
    return _to_record(session, row)


def unlock(session: Session, name: str, user: str, *, force: bool = False) -> JobRecord:
    """Release the job's edit lock; another user's only with ``force`` (the caller has
    checked that ``user`` may break it). Unlocking an unlocked job changes nothing.

    Raises:
        NotFound: no such job.
        JobLocked: another user holds it and ``force`` is not given.
    """
    row = load(session, name, for_update=True)
    holder = _user_name(session, row.locked_by_id)
    if holder is None:
        row.locked_by_id, row.locked_at = None, None
        return _to_record(session, row)
    if holder != user and not force:
        _check_not_locked_by_other(session, row, user)
    since = row.locked_at.isoformat(timespec="seconds") if row.locked_at else None
    row.locked_by_id, row.locked_at = None, None
    session.flush()
    if holder == user:
        audit.record(session, "job.unlock", actor=user, resource=_resource(name))
    else:
        audit.record(
            session,
            "job.unlock.force",
            actor=user,
            resource=_resource(name),
            detail={"holder": holder, "since": since},
        )
    return _to_record(session, row)


def rename(session: Session, name: str, new_name: str, *, user: str) -> JobRecord:
    """Give the job another name; its grants follow, and every version reads with it.

    Raises:
        NotFound: no such job.
        InvalidInput: ``new_name`` is not a valid job name.
        AlreadyExists: another job has ``new_name``.
        JobLocked: another user holds its lock.
    """
    row = load(session, name, for_update=True)
    _check_not_locked_by_other(session, row, user)
    check_job_name(new_name)
    if new_name == name:
        return _to_record(session, row)
    if session.scalar(select(Job.id).where(Job.name == new_name)) is not None:
        raise AlreadyExists("job", new_name)
    row.name = new_name
    access.rename_resource(session, KIND, name, new_name)
    session.flush()
    audit.record(
        session, "job.rename", actor=user, resource=_resource(new_name), detail={"from": name}
    )
    return _to_record(session, row)


def delete_job(session: Session, name: str, *, user: str) -> None:
    """Delete the job with its versions, schedules and grants.

    Raises:
        NotFound: no such job.
        JobLocked: another user holds its lock.
        Conflict: it has runs (they pin its versions).
    """
    row = load(session, name, for_update=True)
    _check_not_locked_by_other(session, row, user)
    runs = session.scalar(select(func.count()).select_from(Run).where(Run.job_id == row.id))
    if runs:
        raise Conflict(f"job {name!r} has {runs} run(s); it cannot be deleted")
    session.execute(delete(JobVersion).where(JobVersion.job_id == row.id))
    session.execute(delete(Schedule).where(Schedule.job_id == row.id))
    session.delete(row)
    access.drop_resource(session, KIND, name)
    audit.record(
        session,
        "job.delete",
        actor=user,
        resource=_resource(name),
        detail={"versions": row.latest_version},
    )
