"""Who serves a workspace: the discovery file ``legame serve`` keeps beside it.

DuckDB lets one process at a time open a file for writing, and no other process open it
at all meanwhile. So while ``legame serve`` holds a workspace, it says so in
``<workspace>.serve.json`` (:func:`discovery_path`): its URL, its process id and a random
secret, readable by its owner only (mode 0600, written whole or not at all). A command
that finds the workspace locked reads the file (:func:`find_server`) to say who holds it,
and the read-only ones run through that server instead (``legame.cli.forward``).

The server writes the file once its workspace is open (:func:`announce`) and removes it
as it stops, when the file is still its own (:func:`withdraw`). A file left by a server
that was killed names a process that no longer runs, and is ignored.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

#: What is appended to the workspace's file name.
SUFFIX = ".serve.json"


@dataclass(frozen=True)
class Server:
    """A running ``legame serve``: where it answers, its process and its secret."""

    url: str
    pid: int
    token: str
    db: str


def discovery_path(db: str | os.PathLike[str]) -> Path:
    """``<db>.serve.json``, beside the workspace file."""
    path = Path(db)
    return path.with_name(path.name + SUFFIX)


def announce(db: str | os.PathLike[str], url: str) -> Server:
    """Write the discovery file of the workspace ``db``, served at ``url`` by this
    process, with a new secret; return what it says."""
    path = Path(os.path.abspath(db))
    server = Server(url=url, pid=os.getpid(), token=secrets.token_urlsafe(32), db=str(path))
    target = discovery_path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a process of this pid that was killed
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            fd = -1
            json.dump(asdict(server), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return server


def withdraw(server: Server) -> bool:
    """Remove the discovery file of ``server``'s workspace if it is still this server's
    (another server may have taken the workspace since). True when it was removed."""
    path = discovery_path(server.db)
    found = _read(path)
    if found is None or found.token != server.token:
        return False
    path.unlink(missing_ok=True)
    return True


def find_server(db: str | os.PathLike[str]) -> Server | None:
    """The server that holds the workspace ``db``, by its discovery file: None when there
    is no file, when it is not this user's own (or others may write it), or when the
    process it names does not run."""
    found = _read(discovery_path(os.path.abspath(db)))
    if found is None or not psutil.pid_exists(found.pid):
        return None
    return found


def _read(path: Path) -> Server | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022:
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Server(
            url=str(data["url"]), pid=int(data["pid"]), token=str(data["token"]), db=str(data["db"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
