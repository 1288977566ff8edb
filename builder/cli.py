"""The ``builder`` command: a thin Hydra entry point around :func:`builder.build.build`.

``builder [overrides]`` builds a release. Other subcommands (``builder
<name> ...``) are plain argparse commands registered in ``SUBCOMMANDS``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from omegaconf import OmegaConf

from builder.errors import BuilderError

log = logging.getLogger("builder")


def conf_dir() -> str:
    """The config folder: shipped in the package (``builder/conf``) or the repository's ``conf/``."""
    here = Path(__file__).resolve().parent
    for cand in (here / "conf", here.parent / "conf"):
        if (cand / "config.yaml").is_file():
            return str(cand)
    try:
        from importlib.resources import files

        cand = Path(str(files("builder.conf")))
        if (cand / "config.yaml").is_file():
            return str(cand)
    except (ModuleNotFoundError, TypeError):
        pass
    raise BuilderError("cannot find the builder's conf/ folder: reinstall the package (pip install .)")


def seeds_dir() -> str:
    """``seeds/`` in the working folder if there is one, else the seeds shipped with the package."""
    if Path("seeds").is_dir():
        return "seeds"
    here = Path(__file__).resolve().parent
    for cand in (here / "seeds", here.parent / "seeds"):
        if cand.is_dir():
            return str(cand)
    try:
        from importlib.resources import files

        return str(files("builder.seeds"))
    except (ModuleNotFoundError, TypeError):
        return "seeds"


if not OmegaConf.has_resolver("seeds_dir"):
    OmegaConf.register_new_resolver("seeds_dir", seeds_dir)


def _debug(cfg=None) -> bool:
    if os.environ.get("BUILDER_DEBUG", "") not in ("", "0"):
        return True
    try:
        from hydra.core.hydra_config import HydraConfig

        return bool(HydraConfig.get().verbose)
    except Exception:
        return False


def fail(message: str, code: int = 2) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def run_build(cfg) -> dict | None:
    """Build with error handling: one clear line per user error, tracebacks only when asked."""
    from hydra.errors import InstantiationException
    from omegaconf.errors import MissingMandatoryValue

    try:
        # before anything imports pyarrow: it picks its allocator once, at import
        from builder.executors.base import use_memory_pool

        use_memory_pool(OmegaConf.select(cfg, "executor.memory_pool", default=None))
        from builder.build import build

        return build(cfg)
    except BuilderError as e:
        if _debug(cfg):
            raise
        fail(str(e))
    except MissingMandatoryValue as e:
        if _debug(cfg):
            raise
        key = getattr(e, "full_key", None) or str(e)
        fail(f"missing config value {key}: set it on the command line, e.g. {key}=...")
    except InstantiationException as e:
        if _debug(cfg):
            raise
        cause = e.__cause__ or e
        if isinstance(cause, BuilderError):
            fail(str(cause))
        fail(f"invalid config: {str(e).splitlines()[0]} ({cause})")
    return None


def _hydra_main() -> None:
    import hydra

    _skip_mode_probe(sys.argv[1:])

    @hydra.main(config_path=conf_dir(), config_name="config", version_base="1.3")
    def _main(cfg) -> None:
        summary = run_build(cfg)
        if summary:
            status = summary["status"]
            verb = "built" if status == "built" else "up to date (nothing to do)"
            print(f"{summary['name']} {summary['version']}: {verb} -> {summary['path']}")

    _main()


def _skip_mode_probe(argv: list[str]) -> None:
    """Compose the config once per build, not twice.

    Before a run, Hydra composes the whole config once only to read
    ``hydra.mode`` (``Hydra.get_mode``: a third of a second here), then again
    for the run. Our config never sets the mode, so that probe answers None,
    which makes Hydra add ``hydra.mode=RUN``. For a plain build (no
    ``--multirun``, no user config folder, no ``hydra.*`` override, any of which
    could set a mode) the probe is replaced by that answer. Hydra 1.3 only
    (the version pyproject.toml allows); on any other layout nothing changes.
    """
    if any(a in ("-m", "--multirun", "-cd", "--config-dir", "-cp", "--config-path", "-cn", "--config-name")
           or a.startswith(("--config-dir=", "--config-path=", "--config-name=", "hydra.", "+hydra.", "++hydra.",
                            "hydra/", "~hydra"))
           for a in argv):
        return
    try:
        import hydra
        from hydra._internal.hydra import Hydra
    except ImportError:
        return
    if hydra.__version__.startswith("1.3.") and callable(getattr(Hydra, "get_mode", None)):
        Hydra.get_mode = lambda self, config_name, overrides: None


def compose_config(overrides: list[str] | None = None, config_dir: str | None = None):
    """The build config with ``key=value`` overrides, as subcommands (eval, train) use it.

    ``config_dir`` adds a user's config folder, like ``--config-dir`` does for a build.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=conf_dir(), version_base="1.3"):
            ov = list(overrides or [])
            if config_dir:
                ov.append(f"hydra.searchpath=[file://{Path(config_dir).resolve()}]")
            return compose(config_name="config", overrides=ov)
    except HydraException as e:
        raise BuilderError(f"invalid config override: {str(e).splitlines()[0]}") from e


#: name → (module, function); each takes argv (list of strings) and returns an exit code.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "eval": ("builder.eval", "main"),
    "train": ("builder.train", "main"),
    "verify": ("builder.release.verify", "main"),
    "diff": ("builder.release.diff", "main"),
    "export": ("builder.release.export", "main"),
    "generate": ("builder.generate", "main"),
}


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        mod, fn = SUBCOMMANDS[argv[0]]
        try:
            code = getattr(importlib.import_module(mod), fn)(argv[1:])
        except BuilderError as e:
            if _debug():
                raise
            fail(str(e))
        sys.exit(code or 0)
    _hydra_main()


def entry() -> None:
    """The console script: :func:`main`, then leave without the interpreter's teardown.

    A build imports pyarrow, pandas and matplotlib; unloading them
    at exit takes most of a second and does nothing a user needs. As at a normal
    exit, non-daemon threads are joined (a worker pool's manager waits for its
    workers to leave), exit handlers run and the standard streams and log
    handlers are flushed; every file
    the build writes is already closed (the release is renamed into place
    before this point). With ``BUILDER_DEBUG=1`` (tracebacks; profilers such as
    ``python -m cProfile`` write their output at the usual exit) it exits the
    usual way.
    """
    if os.environ.get("BUILDER_DEBUG", "") not in ("", "0"):
        main()
        return
    try:
        main()
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:  # sys.exit("message")
            print(e.code, file=sys.stderr)
            code = 1
    _leave(code)


def _leave(code: int) -> None:
    import atexit
    import threading

    for t in threading.enumerate():  # as a normal exit does: wait for non-daemon threads (a pool's manager)
        if t is not threading.main_thread() and not t.daemon:
            t.join()
    atexit._run_exitfuncs()  # noqa: SLF001 - what normal exit runs before the teardown
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
