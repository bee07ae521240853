"""The content store of jobs: numbered immutable versions, restore, edit locks, rename, delete."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from baton.errors import AlreadyExists, Conflict, InvalidInput, JobLocked, NotFound
from baton.jobs.states import RunState
from baton.registry import access, audit, jobs, users
from baton.registry.database import Database
from baton.registry.enums import Action, PrincipalKind, ResourceKind
from baton.registry.models import Job, JobVersion, Run
from tests.registry.conftest import host_user


def document(name: str = "report", **extra: Any) -> dict[str, Any]:
    return {"name": name, "nodes": [{"id": "a", "kind": "emit", "event": "done"}], **extra}


@pytest.fixture
def people(database: Database) -> Database:
    """``ann`` and ``bob``, two designers, and a job ``report`` that ``ann`` created."""
    with database.session() as session:
        host_user(session, "ann")
        host_user(session, "bob")
        jobs.create_job(session, "report", document(), author="ann", comment="first")
    return database


def test_create_is_version_one_owned_by_its_author(people: Database) -> None:
    with people.session() as session:
        job = jobs.get_job(session, "report")
        version = jobs.get_version(session, "report")
        ann = access.principal_for(session, users.load(session, "ann"), method="test")
        bob = access.principal_for(session, users.load(session, "bob"), method="test")
        ann_may = access.is_allowed(session, ann, ResourceKind.JOB, "report", Action.ADMINISTER)
        bob_may = access.is_allowed(session, bob, ResourceKind.JOB, "report", Action.READ)
    assert (job.latest_version, job.owner, job.locked_by, job.locked_at) == (1, "ann", None, None)
    assert (version.version, version.author, version.comment) == (1, "ann", "first")
    assert version.document == document()
    assert job.updated_at == version.created_at
    assert ann_may and not bob_may


def test_a_taken_name_and_bad_names_are_refused(people: Database) -> None:
    with pytest.raises(AlreadyExists), people.session() as session:
        jobs.create_job(session, "report", document(), author="bob")
    for name in ("", "9lives", "a b", "a..b", "a.9", "x" * 129, "schema", "rules", "validate"):
        with pytest.raises(InvalidInput), people.session() as session:
            jobs.create_job(session, name, document(name), author="bob")
    with people.session() as session:
        assert jobs.all_names(session) == ["report"]
        jobs.create_job(session, "sales.daily-report_2", document(), author="bob")


def test_every_save_is_a_new_immutable_version(people: Database) -> None:
    with people.session() as session:
        two = jobs.save_version(
            session, "report", document(description="v2"), author="bob", comment="second"
        )
        three = jobs.save_version(session, "report", document(description="v3"), author="ann")
    assert (two.version, three.version) == (2, 3)
    with people.session() as session:
        first = jobs.get_version(session, "report", 1)
        latest = jobs.get_version(session, "report")
        listed = jobs.list_versions(session, "report")
        job = jobs.get_job(session, "report")
    assert first.document == document() and first.comment == "first"
    assert latest.version == 3 and latest.document["description"] == "v3"
    assert [(v.version, v.author) for v in listed.items] == [(3, "ann"), (2, "bob"), (1, "ann")]
    assert (job.latest_version, job.description) == (3, "v3")
    with pytest.raises(NotFound), people.session() as session:
        jobs.get_version(session, "report", 4)
    with pytest.raises(NotFound), people.session() as session:
        jobs.save_version(session, "nosuch", document(), author="ann")


def test_the_stored_name_is_the_jobs_name(people: Database) -> None:
    with people.session() as session:
        saved = jobs.save_version(session, "report", document("other"), author="ann")
    assert saved.document["name"] == "report"
    assert list(saved.document)[0] == "name"


def test_restore_saves_the_old_document_as_a_new_version(people: Database) -> None:
    with people.session() as session:
        jobs.save_version(session, "report", document(description="changed"), author="bob")
        restored = jobs.restore(session, "report", 1, author="bob")
    assert restored.version == 3
    assert restored.document == document()
    assert restored.comment == "restored version 1"
    with people.session() as session:
        assert jobs.get_version(session, "report", 2).document["description"] == "changed"
        events = audit.list_events(session, action="job.restore").items
    assert events[0].detail == {"version": 3, "from": 1}
    with pytest.raises(NotFound), people.session() as session:
        jobs.restore(session, "report", 9, author="bob")


def test_a_second_editor_is_refused_naming_the_holder(people: Database) -> None:
    with people.session() as session:
        locked = jobs.lock(session, "report", "ann")
    assert locked.locked_by == "ann" and locked.locked_at is not None
    with pytest.raises(JobLocked) as caught, people.session() as session:
        jobs.lock(session, "report", "bob")
    assert (caught.value.job, caught.value.holder) == ("report", "ann")
    assert caught.value.since == locked.locked_at.isoformat(timespec="seconds")
    assert "locked by ann since" in caught.value.detail
    for change in (
        lambda s: jobs.save_version(s, "report", document(), author="bob"),
        lambda s: jobs.restore(s, "report", 1, author="bob"),
        lambda s: jobs.rename(s, "report", "renamed", user="bob"),
        lambda s: jobs.delete_job(s, "report", user="bob"),
        lambda s: jobs.unlock(s, "report", "bob"),
    ):
        with pytest.raises(JobLocked), people.session() as session:
            change(session)
    with people.session() as session:
        assert jobs.get_job(session, "report").latest_version == 1
        # The holder saves while holding it; taking it again refreshes it.
        jobs.save_version(session, "report", document(), author="ann")
        again = jobs.lock(session, "report", "ann")
    assert again.locked_by == "ann" and again.locked_at >= locked.locked_at


def test_unlock_own_and_forced(people: Database) -> None:
    with people.session() as session:
        jobs.lock(session, "report", "ann")
        released = jobs.unlock(session, "report", "ann")
        assert (released.locked_by, released.locked_at) == (None, None)
        assert jobs.unlock(session, "report", "bob").locked_by is None  # nothing to release
        jobs.lock(session, "report", "bob")
        forced = jobs.unlock(session, "report", "ann", force=True)
        assert forced.locked_by is None
        jobs.save_version(session, "report", document(), author="ann")
    with people.session() as session:
        (event,) = audit.list_events(session, action="job.unlock.force").items
        (own,) = audit.list_events(session, action="job.unlock").items
        locks = audit.list_events(session, action="job.lock").items
    assert (event.actor, event.resource, event.detail["holder"]) == ("ann", "job:report", "bob")
    assert event.detail["since"]
    assert own.actor == "ann"
    assert [e.actor for e in locks] == ["bob", "ann"]


def test_a_deleted_holder_leaves_the_job_unlocked(people: Database) -> None:
    with people.session() as session:
        jobs.lock(session, "report", "bob")
        users.delete_user(session, "bob")
    with people.session() as session:
        assert jobs.get_job(session, "report").locked_by is None
        jobs.lock(session, "report", "ann")
    with pytest.raises(NotFound), people.session() as session:
        jobs.lock(session, "report", "nobody")


def test_rename_moves_the_grants_and_the_name_of_every_version(people: Database) -> None:
    with people.session() as session:
        jobs.save_version(session, "report", document(), author="ann")
        access.grant(
            session,
            PrincipalKind.USER,
            "bob",
            ResourceKind.JOB,
            "report",
            Action.READ,
            granted_by="ann",
        )
        jobs.lock(session, "report", "ann")
        renamed = jobs.rename(session, "report", "daily", user="ann")
    assert (renamed.name, renamed.locked_by, renamed.latest_version) == ("daily", "ann", 2)
    with people.session() as session:
        assert jobs.get_version(session, "daily", 1).document["name"] == "daily"
        assert jobs.find(session, "report") is None
        bob = access.principal_for(session, users.load(session, "bob"), method="test")
        assert access.is_allowed(session, bob, ResourceKind.JOB, "daily", Action.READ)
        assert not access.is_allowed(session, bob, ResourceKind.JOB, "report", Action.READ)
        (event,) = audit.list_events(session, action="job.rename").items
        jobs.create_job(session, "other", document(), author="bob")
    assert (event.resource, event.detail) == ("job:daily", {"from": "report"})
    with pytest.raises(AlreadyExists), people.session() as session:
        jobs.rename(session, "daily", "other", user="ann")
    with pytest.raises(InvalidInput), people.session() as session:
        jobs.rename(session, "daily", "bad name", user="ann")


def test_delete_takes_versions_and_grants(people: Database) -> None:
    with people.session() as session:
        jobs.save_version(session, "report", document(), author="ann")
        jobs.delete_job(session, "report", user="ann")
    with people.session() as session:
        assert jobs.find(session, "report") is None
        assert session.scalars(select(JobVersion)).all() == []
        ann = access.principal_for(session, users.load(session, "ann"), method="test")
        jobs.create_job(session, "report", document(), author="bob")
        # The new job of that name starts with none of the old one's grants.
        assert not access.is_allowed(session, ann, ResourceKind.JOB, "report", Action.READ)
        (event,) = audit.list_events(session, action="job.delete").items
    assert (event.actor, event.resource, event.detail) == ("ann", "job:report", {"versions": 2})
    with pytest.raises(NotFound), people.session() as session:
        jobs.delete_job(session, "report-nosuch", user="ann")


def test_a_job_with_runs_cannot_be_deleted(people: Database) -> None:
    with people.session() as session:
        job_id = session.scalar(select(Job.id).where(Job.name == "report"))
        assert job_id is not None
        session.add(Run(job_id=job_id, version=1, state=RunState.SUCCEEDED))
    with pytest.raises(Conflict, match="has 1 run"), people.session() as session:
        jobs.delete_job(session, "report", user="ann")
    with people.session() as session:
        assert jobs.find(session, "report") is not None


def test_list_pages_and_filters(people: Database) -> None:
    with people.session() as session:
        for name in ("b-job", "a-job", "c-job"):
            jobs.create_job(session, name, document(), author="bob")
        jobs.lock(session, "b-job", "ann")
        page = jobs.list_jobs(session, limit=2, offset=1)
        only = jobs.list_jobs(session, names={"c-job", "report"})
        everything = jobs.list_jobs(session)
    assert page.total == 4 and [j.name for j in page.items] == ["b-job", "c-job"]
    assert page.items[0].locked_by == "ann"
    assert [j.name for j in only.items] == ["c-job", "report"]
    assert {j.owner for j in everything.items} == {"ann", "bob"}


def test_every_change_is_audited(people: Database) -> None:
    with people.session() as session:
        jobs.save_version(session, "report", document(), author="bob")
        jobs.restore(session, "report", 1, author="bob")
        jobs.lock(session, "report", "bob")
        jobs.unlock(session, "report", "bob")
        jobs.rename(session, "report", "renamed", user="bob")
        jobs.delete_job(session, "renamed", user="bob")
        actions = [e.action for e in audit.list_events(session, limit=100).items]
    for action in (
        "job.create",
        "job.update",
        "job.restore",
        "job.lock",
        "job.unlock",
        "job.rename",
        "job.delete",
    ):
        assert action in actions
    assert "grant" in actions  # the creator's administer
