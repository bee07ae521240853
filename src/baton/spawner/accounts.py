"""OS accounts that servers run as: looked up, checked, and switched to at launch.

A server runs as the OS user of its definition's launch credential, or (workspace servers
with host authentication) as the requesting user's own account. Switching user needs root:
the spawner then starts the child with that user's uid, primary gid and supplementary
groups, and refuses uid 0 unless ``spawner.allow_root_servers`` is set. Without root a
spawner can only start servers as itself, and says so when asked for anyone else.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pamela

from baton.errors import LaunchRefused


@dataclass(frozen=True)
class Account:
    """An OS user a server runs as.

    Attributes:
        name: the login name.
        uid: its user id.
        gid: its primary group id.
        groups: its supplementary group ids (from the group database).
        home: its home folder.
    """

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str

    def process_options(self) -> dict[str, object]:
        """Keyword arguments for ``subprocess``/``asyncio`` that start a child as this user.

        Empty when the spawner already is this user; otherwise the spawner must be root.
        """
        if os.geteuid() == self.uid and os.getegid() == self.gid:
            return {}
        if os.geteuid() != 0:
            raise LaunchRefused(self.name, "the spawner must run as root to switch user")
        uid, gid, groups = self.uid, self.gid, list(self.groups)

        def become() -> None:
            # In the child, between fork and exec: groups first, then gid, uid last (after
            # setuid the process may no longer change the others). Not the user=/group=
            # arguments: uvloop (baton serve's loop) refuses them.
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)

        return {"preexec_fn": become}


def can_execute(account: Account, path: str) -> bool:
    """Whether ``account`` may run the program at ``path``, by the permission bits.

    Every folder on the way (to the link and to its target) must be searchable by it and the
    program executable: an interpreter under ``/root`` (mode 0700) is not, for anyone else.
    ACLs are not read.
    """
    real = os.path.realpath(path)
    folders = {parent for link in (Path(path), Path(real)) for parent in link.parents}
    try:
        program = os.stat(real)
        infos = [os.stat(folder) for folder in folders]
    except OSError:
        return False
    if account.uid == 0:  # root searches every folder, and runs what anyone may
        return bool(program.st_mode & 0o111)
    return all(_may_search(account, info) for info in [*infos, program])


def _may_search(account: Account, info: os.stat_result) -> bool:
    """Whether the execute (search) bit that applies to ``account`` is set."""
    if info.st_uid == account.uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == account.gid or info.st_gid in account.groups:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def lookup(name: str, *, allow_root: bool = False) -> Account:
    """The account called ``name``.

    Raises:
        LaunchRefused: no such user, or it is root and ``allow_root`` is false.
    """
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise LaunchRefused(name, "no such OS user") from None
    if entry.pw_uid == 0 and not allow_root:
        raise LaunchRefused(name, "servers may not run as root (spawner.allow_root_servers)")
    groups = tuple(
        sorted({group.gr_gid for group in grp.getgrall() if name in group.gr_mem} - {entry.pw_gid})
    )
    return Account(name, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)


def current() -> Account:
    """The account this process runs as (no switch needed to launch as it)."""
    entry = pwd.getpwuid(os.geteuid())
    return Account(entry.pw_name, entry.pw_uid, os.getegid(), (), entry.pw_dir)


def check_password(name: str, password: str, *, service: str = "login") -> None:
    """Check a launch credential's password against the host (PAM).

    Raises:
        LaunchRefused: the host does not accept the password (the reason is not told, the
            same for an unknown user and a wrong password).
    """
    try:
        pamela.authenticate(name, password, service=service)
    except pamela.PAMError:
        raise LaunchRefused(name, "the host refused the launch credential's password") from None


def ensure_service_account(name: str) -> Account:
    """The system account ``name`` for servers, created (no login, no home, its own group)
    when it does not exist. Needs root.

    Raises:
        LaunchRefused: it is root, the spawner is not root, or ``useradd`` failed.
    """
    try:
        return lookup(name)
    except LaunchRefused:
        if _exists(name):
            raise
    if os.geteuid() != 0:
        raise LaunchRefused(name, "only root can create an OS account")
    useradd = shutil.which("useradd")
    if useradd is None:
        raise LaunchRefused(name, "this host has no useradd to create the account with")
    nologin = shutil.which("nologin") or "/bin/false"
    command = [useradd, "--system", "--user-group", "--no-create-home"]
    command += ["--home-dir", "/nonexistent", "--shell", nologin, name]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LaunchRefused(name, f"useradd failed: {done.stderr.strip() or done.returncode}")
    return lookup(name)


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
