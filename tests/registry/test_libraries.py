"""Program libraries: a name bound to an absolute, existing folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.errors import AlreadyExists, InvalidInput, NotFound
from baton.registry import definitions, libraries, services
from baton.registry.database import Database
from baton.registry.enums import ServerKind, ServiceKind
from baton.registry.specs import ServerDefinitionSpec, ServiceSpec


def test_create_and_get(database: Database, program_dir: Path) -> None:
    with database.session() as session:
        created = libraries.create_library(
            session, "sales", str(program_dir), description="Sales reports."
        )
    assert (created.name, created.path, created.description) == (
        "sales",
        str(program_dir.resolve()),
        "Sales reports.",
    )
    with database.session() as session:
        assert libraries.get_library(session, "sales") == created
        assert libraries.all_names(session) == ["sales"]


def test_path_is_normalised(database: Database, program_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(program_dir)
    with database.session() as session:
        dotted = libraries.create_library(session, "dotted", f"{program_dir}/../{program_dir.name}")
        linked = libraries.create_library(session, "linked", str(link))
    assert dotted.path == linked.path == str(program_dir.resolve())


def test_path_must_be_an_absolute_existing_folder(
    database: Database, program_dir: Path, tmp_path: Path
) -> None:
    for path in (
        "programs",
        "./programs",
        "",
        str(tmp_path / "missing"),
        str(program_dir / "hello.py"),
    ):
        with pytest.raises(InvalidInput) as caught, database.session() as session:
            libraries.create_library(session, "lib", path)
        assert caught.value.field == "path", path
    with database.session() as session:
        assert libraries.all_names(session) == []


def test_name_rules(database: Database, program_dir: Path) -> None:
    with database.session() as session:
        libraries.create_library(session, "sales", str(program_dir))
    with pytest.raises(AlreadyExists), database.session() as session:
        libraries.create_library(session, "sales", str(program_dir))
    for name in ("sales.2024", "sa les", "../etc", ""):
        with pytest.raises(InvalidInput) as caught, database.session() as session:
            libraries.create_library(session, name, str(program_dir))
        assert caught.value.field == "name"


def test_update(database: Database, program_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with database.session() as session:
        libraries.create_library(session, "sales", str(program_dir), description="old")
    with database.session() as session:
        updated = libraries.update_library(session, "sales", path=str(elsewhere))
    assert (updated.path, updated.description) == (str(elsewhere.resolve()), "old")
    with pytest.raises(InvalidInput), database.session() as session:
        libraries.update_library(session, "sales", path="relative", description="new")
    with database.session() as session:
        unchanged = libraries.get_library(session, "sales")
        assert (unchanged.path, unchanged.description) == (str(elsewhere.resolve()), "old")
        libraries.update_library(session, "sales", description="new")
        assert libraries.get_library(session, "sales").description == "new"
    with pytest.raises(NotFound), database.session() as session:
        libraries.update_library(session, "ghost", description="x")


def test_list(database: Database, program_dir: Path) -> None:
    with database.session() as session:
        for name in ("zeta", "alpha", "mid"):
            libraries.create_library(session, name, str(program_dir))
    with database.session() as session:
        page = libraries.list_libraries(session, limit=2)
        chosen = libraries.list_libraries(session, names={"zeta", "alpha", "nope"})
        none = libraries.list_libraries(session, names=set())
    assert page.total == 3 and [lib.name for lib in page.items] == ["alpha", "mid"]
    assert chosen.total == 2 and [lib.name for lib in chosen.items] == ["alpha", "zeta"]
    assert none.total == 0 and none.items == []


def test_delete_leaves_the_folder_and_unlinks_services(
    database: Database, program_dir: Path
) -> None:
    with database.session() as session:
        libraries.create_library(session, "sales", str(program_dir))
        libraries.create_library(session, "hr", str(program_dir))
        definitions.create_definition(
            session,
            ServerDefinitionSpec(name="apps", kind=ServerKind.APPLICATION, command=["serve"]),
        )
        services.create_service(
            session,
            ServiceSpec(
                name="default",
                kind=ServiceKind.POOL,
                server_definition="apps",
                libraries=["sales", "hr"],
            ),
        )
    with database.session() as session:
        libraries.delete_library(session, "sales")
    with database.session() as session:
        assert libraries.all_names(session) == ["hr"]
        assert services.get_service(session, "default").libraries == ("hr",)
    assert (program_dir / "hello.py").is_file()
    with pytest.raises(NotFound), database.session() as session:
        libraries.delete_library(session, "sales")
