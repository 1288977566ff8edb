"""What a build on a Ray cluster needs from every node, and what to say when a node lacks it.

The driver describes where it runs a build from (:class:`Place`: its folder,
a probe file it writes in the work folder, ``source.path``, its builder
code); each Ray worker process checks its node against that once per build
(:func:`check_shared`) and names its node in every result (:func:`node_name`,
the time report's ``Nodes`` line). Errors from Ray that hide their cause
(a failed join, a module a worker cannot import) become one line that says
what to do.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

from builder.errors import BuilderError

#: This Ray worker process's node, as the time report names it (:func:`node_name`).
_NODE: str | None = None


class Place(NamedTuple):
    """Where the driver runs a build from, as every worker must see it (absolute paths)."""

    cwd: str | None = None  # the driver's working folder: relative paths resolve from it
    probe: str | None = None  # a file the driver wrote in the work folder (paths.work_dir)
    source: str | None = None  # source.path
    code: str | None = None  # the driver's builder: version and digest of its code (:func:`code_id`)


@functools.lru_cache(maxsize=1)
def code_id() -> str:
    """This process's builder: its version and a digest of its Python files (an editable install keeps its
    version while its code changes)."""
    import builder

    root = Path(builder.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{builder.__version__} (code {h.hexdigest()[:12]})"


def check_shared(place: Place) -> None:
    """That this node sees the build's files where the driver does (the probe file in the work folder,
    ``source.path``) and runs the same builder code.

    A node without the shared storage would read no input (every file "unreadable", each recorded as a
    rejection: a release of a fraction of the corpus) and write its shards where the driver never finds
    them; one with other builder code would write other bytes. Checked once per worker process and build."""
    for path, what in ((place.probe, "the work folder (paths.work_dir, under paths.dist)"),
                       (place.source, "source.path")):
        if path and not os.path.exists(path):
            raise BuilderError(
                f"Ray node {node_name()} does not see {path}, {what} as the driver sees it: on a cluster, source.path "
                "and paths.dist must be on storage every node mounts at the same path (NFS, a cloud file "
                "system), and the builder installed on every node")
    if place.code and place.code != code_id():
        raise BuilderError(
            f"Ray node {node_name()} runs builder {code_id()}, the driver {place.code}: every node must run the "
            "same code to write the same release; install the driver's version on every node, or ship it "
            "with the job: executor.ship_code=true")


def node_name() -> str:
    """The node this Ray worker runs on: its IP address and its node id (nodes that share an address, such
    as two raylets of one machine, stay apart)."""
    global _NODE
    if _NODE is None:
        import ray

        _NODE = f"{ray.util.get_node_ip_address()}/{ray.get_runtime_context().get_node_id()}"
    return _NODE


def short_names(placement: dict[str, dict[str, int]], width: int = 8) -> dict[str, dict[str, int]]:
    """``{phase: {node_name(): n}}`` with each node id cut to its first ``width`` characters, as ``ray status``
    users read them, unless two of the nodes would then read the same (ids that differ only at the end, as a
    test cluster's can): then whole, in every phase alike."""
    def short(name: str) -> str:
        ip, _, node = name.rpartition("/")
        return f"{ip}/{node[:width]}"

    names = {name for counts in placement.values() for name in counts}
    cut = short if len({short(n) for n in names}) == len(names) else (lambda name: name)
    return {phase: dict(sorted((cut(k), v) for k, v in counts.items())) for phase, counts in placement.items()}


def source_path(cfg: dict) -> str | None:
    path = (cfg.get("source") or {}).get("path")
    return str(Path(path).expanduser().absolute()) if isinstance(path, str) and path else None


def job_runtime_env(user: dict | None = None) -> dict | None:
    """The Ray job's ``runtime_env``: ``user``'s (``executor.runtime_env``: code to ship, packages,
    variables) and what its workers on every node need from the driver's environment.

    pyarrow's allocator (``ARROW_DEFAULT_MEMORY_POOL``, set from
    ``executor.memory_pool`` before pyarrow loads) must be in a worker's
    environment when it starts: a local Ray's workers inherit the driver's, a
    cluster's nodes do not.
    """
    env = dict(user or {})
    pool = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
    if pool:
        env["env_vars"] = {**(env.get("env_vars") or {}), "ARROW_DEFAULT_MEMORY_POOL": pool}
    return env or None


def join_hint(e: BaseException, address: str | None) -> str:
    """What to do about a failed ``ray.init``, from the whole chain of its exceptions (Ray's top one, "Failed
    to connect to Ray cluster", hides the cause)."""
    chain, seen = [], set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        chain.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
    text = "\n".join(chain)
    if "InvalidAuthToken" in text or "Authentication token" in text:
        return ("; the cluster uses token authentication and this process has no valid token: set "
                "RAY_AUTH_MODE=token and give it the cluster's token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or "
                "~/.ray/auth_token, as on the cluster's nodes)")
    if address:
        return ("; check that the cluster is up (`ray status` on one of its nodes) and that this machine "
                "reaches the address (for a client, ray://<head>:10001)")
    return ""


def missing_module(err: BaseException, cause: BaseException | None) -> str | None:
    """The module a Ray worker could not import to unpickle a task's function or arguments (a node without
    the builder), from a task's error; None for any other error."""
    import ray

    if isinstance(cause, ModuleNotFoundError) and cause.name:
        return cause.name
    if cause is None or isinstance(cause, ray.exceptions.RaySystemError):
        found = re.search(r"No module named '([\w.]+)'", str(err))
        return found.group(1) if found else None
    return None


def cannot_import(module: str, desc: str) -> BuilderError:
    return BuilderError(
        f"a Ray worker cannot import {module!r} to run '{desc}': install the builder and its dependencies on "
        "every node (pip install '<this package>[ray]', the driver's version), or ship the code with the job: "
        "executor.ship_code=true")
