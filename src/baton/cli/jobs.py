"""``baton job``: orchestration jobs in the Design Server, from the command line.

The commands work on the registry directly (no running control plane needed), as the registry
user ``--user`` names (default: ``admin``, the administrator ``baton init`` created), with that
user's rights: validation reports what that user may not run, and versions and locks are theirs.
``baton job run`` is the exception: it asks the running control plane (:mod:`baton.cli.runs`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from baton.cli import output, runs
from baton.cli.context import invocation
from baton.cli.pages import every
from baton.errors import AuthenticationFailed, ConfigError
from baton.jobs import design
from baton.jobs.validation import Issue, errors
from baton.registry import access, jobs, users
from baton.registry.access import Principal
from baton.registry.bootstrap import ADMIN
from baton.settings import Settings

app = typer.Typer(
    help="Design orchestration jobs: validate, push, show, compare.", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="The job's name.", show_default=False)]
FileArg = Annotated[
    Path, typer.Argument(help="A job document (YAML or JSON); - reads stdin.", show_default=False)
]
UserOption = Annotated[
    str, typer.Option("--user", help="Act as this registry user, with their rights.")
]


@contextmanager
def _acting(ctx: typer.Context, user: str) -> Iterator[tuple[Session, Principal, Settings]]:
    """A registry transaction, ``user``'s principal and the settings."""
    state = invocation(ctx)
    settings = state.settings()
    with state.session() as session:
        row = users.load(session, user)
        if row.disabled:
            raise AuthenticationFailed(f"user {user!r} is disabled")
        yield session, access.principal_for(session, row, method="cli"), settings


def _read(file: Path) -> bytes:
    if str(file) == "-":
        return sys.stdin.buffer.read()
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc


def _format(file: Path) -> str | None:
    suffix = file.suffix.lower()
    return "json" if suffix == ".json" else "yaml" if suffix in (".yaml", ".yml") else None


def show_issues(issues: list[Issue]) -> None:
    """Print the issues as a table (code, node, path, message) and a summary line."""
    if not issues:
        output.line("no issues: the job is valid", style="green")
        return
    table = output.table("code", "node", "path", "message", "severity")
    for issue in issues:
        table.add_row(
            issue.code, issue.node or "-", issue.path or "-", issue.message, issue.severity
        )
    output.show(table)
    found = len(errors(issues))
    warnings = len(issues) - found
    summary = f"{found} error(s), {warnings} warning(s)"
    output.line(summary, style="red" if found else "yellow")


@app.command("validate")
def validate(ctx: typer.Context, file: FileArg, user: UserOption = ADMIN) -> None:
    """Validate a job document against the registry (programs, services, jobs, hosts, the
    user's rights) without storing it. Exit status: 0 valid (warnings allowed), 1 errors
    found, 5 the document cannot be read."""
    job = design.parse(_read(file), format=_format(file))
    with _acting(ctx, user) as (session, principal, settings):
        issues = design.check(session, principal, settings, job)
    show_issues(issues)
    if errors(issues):
        raise typer.Exit(1)


@app.command("push")
def push(
    ctx: typer.Context,
    file: FileArg,
    comment: Annotated[str, typer.Option(help="Why this version was saved.")] = "",
    user: UserOption = ADMIN,
) -> None:
    """Store a job document: a new job (named by the document), else its next version. A
    document with errors is stored as a draft (it cannot run); its issues are shown."""
    body = _read(file)
    with _acting(ctx, user) as (session, principal, settings):
        saved = design.save(
            session, principal, settings, body, format=_format(file), comment=comment
        )
    verb = "created" if saved.created else "saved"
    draft = "" if saved.valid else " (a draft: it has errors)"
    output.line(f"{verb} job {saved.name} version {saved.version}{draft}")
    if saved.issues:
        show_issues(saved.issues)


@app.command("show")
def show(
    ctx: typer.Context,
    name: NameArg,
    version: Annotated[
        int | None, typer.Option(help="A version; default: the latest.", min=1)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
    user: UserOption = ADMIN,
) -> None:
    """Print a version of a job's document (YAML unless --json)."""
    with _acting(ctx, user) as (session, principal, _):
        _, found = design.get(session, principal, name, version)
    if as_json:
        typer.echo(json.dumps(found.document, indent=2, ensure_ascii=False))
    else:
        typer.echo(design.document_yaml(found.document), nl=False)


@app.command("diff")
def diff(
    ctx: typer.Context,
    name: NameArg,
    a: Annotated[int, typer.Argument(help="The older version.", min=1, show_default=False)],
    b: Annotated[int, typer.Argument(help="The newer version.", min=1, show_default=False)],
    user: UserOption = ADMIN,
) -> None:
    """Compare two versions: a unified diff of their YAML, then what changed by node, edge
    and variable."""
    with _acting(ctx, user) as (session, principal, _):
        design.get(session, principal, name)
        first, second = design.read_job(session, name, a), design.read_job(session, name, b)
    found = design.diff(first, second, labels=(f"{name} version {a}", f"{name} version {b}"))
    if found.same:
        output.line(f"versions {a} and {b} of {name} are the same")
        return
    typer.echo(found.text, nl=False)
    for label, values in (
        ("changed", found.changed),
        ("nodes added", found.nodes_added),
        ("nodes removed", found.nodes_removed),
        ("nodes changed", [f"{c.id} ({', '.join(c.keys)})" for c in found.nodes_changed]),
        ("edges added", [f"{e['from']} -> {e['to']}" for e in found.edges_added]),
        ("edges removed", [f"{e['from']} -> {e['to']}" for e in found.edges_removed]),
    ):
        if values:
            output.line(f"{label}: {', '.join(values)}")
    for section, changes in (
        ("inputs", found.inputs),
        ("outputs", found.outputs),
        ("variables", found.variables),
    ):
        for how, names in (
            ("added", changes.added),
            ("removed", changes.removed),
            ("changed", changes.changed),
        ):
            if names:
                output.line(f"{section} {how}: {', '.join(names)}")


@app.command("list")
def list_jobs(ctx: typer.Context, user: UserOption = ADMIN) -> None:
    """List the jobs the user may read."""
    with _acting(ctx, user) as (session, principal, _):
        names = design.readable_names(session, principal)
        rows = every(
            lambda limit, offset: jobs.list_jobs(session, names=names, limit=limit, offset=offset)
        )
    table = output.table("name", "version", "owner", "updated", "locked by", "description")
    for job in rows:
        locked = f"{job.locked_by} since {output.moment(job.locked_at)}" if job.locked_by else "-"
        table.add_row(
            job.name,
            str(job.latest_version),
            job.owner or "-",
            output.moment(job.updated_at),
            locked,
            job.description,
        )
    output.show(table)


@app.command("versions")
def versions(ctx: typer.Context, name: NameArg, user: UserOption = ADMIN) -> None:
    """List a job's versions, newest first."""
    with _acting(ctx, user) as (session, principal, _):
        design.get(session, principal, name)
        rows = every(
            lambda limit, offset: jobs.list_versions(session, name, limit=limit, offset=offset)
        )
    table = output.table("version", "saved", "author", "comment")
    for row in rows:
        table.add_row(str(row.version), output.moment(row.created_at), row.author, row.comment)
    output.show(table)


@app.command("lock")
def lock(ctx: typer.Context, name: NameArg, user: UserOption = ADMIN) -> None:
    """Take a job's edit lock (exit status 4 when another user holds it)."""
    with _acting(ctx, user) as (session, principal, _):
        job = design.lock(session, principal, name)
    output.line(f"job {job.name} locked by {job.locked_by}")


@app.command("unlock")
def unlock(
    ctx: typer.Context,
    name: NameArg,
    force: Annotated[
        bool, typer.Option("--force", help="Break another user's lock (administer; audited).")
    ] = False,
    user: UserOption = ADMIN,
) -> None:
    """Release a job's edit lock; another user's only with --force."""
    with _acting(ctx, user) as (session, principal, _):
        design.unlock(session, principal, name, force=force)
    output.line(f"job {name} unlocked")


@app.command("rename")
def rename(
    ctx: typer.Context,
    name: NameArg,
    new_name: Annotated[str, typer.Argument(help="The new name.", show_default=False)],
    user: UserOption = ADMIN,
) -> None:
    """Rename a job; its versions and grants follow."""
    with _acting(ctx, user) as (session, principal, _):
        design.rename(session, principal, name, new_name)
    output.line(f"job {name} renamed {new_name}")


@app.command("delete")
def delete(ctx: typer.Context, name: NameArg, user: UserOption = ADMIN) -> None:
    """Delete a job with all its versions (not when it has runs)."""
    with _acting(ctx, user) as (session, principal, _):
        design.delete(session, principal, name)
    output.line(f"job {name} deleted")


app.command("run")(runs.run_job)
