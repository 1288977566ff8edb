"""``build(cfg)``: sources in, a versioned release folder out.

1. resolve the config, scan the inputs (digests), compute the fingerprint;
2. if ``dist/<name>/<version>`` exists: same fingerprint → nothing to do,
   different → refuse;
3. phase 1 over shards, barrier, phase 2 over shards (the executor decides
   where), all into a work folder that a killed build resumes from;
4. write the release into a staging folder next to the target and rename it
   into place, so it appears all at once.
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from builder import __version__
from builder.errors import BuilderError, ReleaseExists
from builder.ids import digest, json_digest
from builder.pipeline import Pipeline, instantiate_stage
from builder.release.manifest import Rendered, render_list, write_manifest
from builder.sources.base import REJECT_SCHEMA, Source
from builder.timing import StageClock, format_time_report, time_report

log = logging.getLogger("builder")

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
#: Config keys that do not change the output (paths, version, how work is spread).
NON_OUTPUT_KEYS = (("paths",), ("dataset", "version"), ("dataset", "bump"), ("executor",),
                   ("source", "path"), ("source", "shard_size"), ("hydra",))


def plain_config(cfg: DictConfig | dict) -> dict:
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    return cfg


def output_config(cfg: dict) -> dict:
    """The config without the keys that cannot change the release's content."""
    c = json.loads(json.dumps(cfg, default=str))
    for path in NON_OUTPUT_KEYS:
        node = c
        for k in path[:-1]:
            node = node.get(k) or {}
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return c


def check_name_version(name: str, version: str) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise BuilderError(f"dataset.name={name!r} is not a valid name: use letters, digits, '.', '_' and '-' "
                           "(no slashes), e.g. dataset.name=my-news")
    if not isinstance(version, str) or not VERSION_RE.match(version):
        raise BuilderError(f"dataset.version={version!r} is not MAJOR.MINOR.PATCH, e.g. dataset.version=0.2.0")


def existing_versions(base: Path) -> list[str]:
    if not base.is_dir():
        return []
    vs = [p.name for p in base.iterdir() if p.is_dir() and VERSION_RE.match(p.name) and (p / "manifest.json").exists()]
    return sorted(vs, key=lambda v: tuple(map(int, v.split("."))))


def next_version(base: Path, bump: str) -> str:
    vs = existing_versions(base)
    if not vs:
        return "0.1.0"
    major, minor, patch = map(int, vs[-1].split("."))
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise BuilderError(f"dataset.bump={bump!r}: use patch, minor or major")


@contextmanager
def build_lock(base: Path, version: str):
    """One build of a version at a time; a second one says so and stops."""
    base.mkdir(parents=True, exist_ok=True)
    path = base / f".lock-{version}"
    fh = open(path, "a+")
    locked = True
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise BuilderError(f"another build of {base.name} {version} is running (lock {path.name} is held); "
                           "wait for it to finish") from None
    except OSError as e:  # a file system without locks (some FUSE mounts of object storage): say so, go on
        if e.errno not in _NO_LOCKS:
            fh.close()
            raise
        locked = False
        log.warning("%s does not support file locks (%s): nothing stops a second build of %s %s from running at "
                    "the same time; start one at a time", base, e.strerror or e, base.name, version)
    try:
        yield
    finally:
        if locked:
            fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


#: flock's errors on a file system that has no locks (not "held by another")
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


@dataclass
class Plan:
    """What a build will make: resolved config, inputs, models and the fingerprint."""

    c: dict
    name: str
    version: str
    base: Path
    source: Source
    inputs: Sequence  # of InputFile (Inputs: columns, for a folder of a million files)
    ner: object | None
    models: dict
    fingerprint: str

    @property
    def target(self) -> Path:
        return self.base / self.version

    def summary(self, **extra) -> dict:
        return {"path": str(self.target), "name": self.name, "version": self.version,
                "fingerprint": self.fingerprint, **extra}

    def existing(self) -> dict | None:
        """``unchanged`` summary if the version exists with this fingerprint; refuse if it differs."""
        if not self.target.exists():
            return None
        mf = self.target / "manifest.json"
        if mf.exists():
            from builder.release.manifest import read_manifest

            old = read_manifest(self.target, skip=("inputs", "files")).get("fingerprint")
        else:
            old = None
        if old == self.fingerprint:
            log.info("Release %s %s is up to date (fingerprint %s): nothing to do", self.name, self.version,
                     self.fingerprint[:12])
            return self.summary(status="unchanged")
        raise ReleaseExists(
            f"{self.target} already exists with different content (fingerprint {str(old)[:12]} != "
            f"{self.fingerprint[:12]}); releases are immutable: pick a new version (dataset.version=X.Y.Z) "
            "or dataset.bump=patch|minor|major")


def stage_versions(c: dict) -> dict:
    """The versioned rule name (``segment.rules.v2``) of every configured stage, without building it."""
    from hydra.utils import get_class

    out = {}
    for group, node in sorted(c.items()):
        if isinstance(node, dict) and isinstance(node.get("_target_"), str):
            try:
                out[group] = getattr(get_class(node["_target_"]), "version", None)
            except Exception:  # noqa: BLE001 - instantiation reports a bad target clearly later
                out[group] = None
    return out


def fingerprint_of(c: dict, inputs: list, models: dict) -> str:
    """The release's fingerprint: ``json_digest`` of the builder version, every input's relative path and
    digest, the output config, the models and the stage versions (a stage whose behaviour changed ships under
    a new version name), hashed as the JSON is made, a thousand inputs at a time: the whole text would be
    ~100 bytes per input, and the pairs as Python objects more."""
    import hashlib

    def dumps(obj) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)

    h = hashlib.sha256()
    # the keys in sorted order, as json_digest writes them: builder, config, inputs, models, stages
    h.update(dumps({"builder": __version__, "config": output_config(c)})[:-1].encode("utf-8"))
    h.update(b',"inputs":[')
    for i in range(0, len(inputs), 1000):
        h.update(((b"," if i else b"") + dumps([(f.rel, f.sha256) for f in inputs[i:i + 1000]])[1:-1].encode("utf-8")))
    h.update(b"],")
    h.update(dumps({"models": models, "stages": stage_versions(c)})[1:].encode("utf-8"))
    return h.hexdigest()


def plan(cfg: DictConfig | dict, before_scan=None) -> Plan:
    """Resolve the config, scan and digest the inputs, identify the models.

    ``before_scan(c, target)`` is called with the resolved config and the
    release folder once they are known, before the (slower) scan.
    """
    c = plain_config(cfg)
    ds = c["dataset"]
    name = ds["name"]
    check_name_version(name, "0.0.0")
    base = Path(c["paths"]["dist"]).expanduser() / name
    version = next_version(base, ds["bump"]) if ds.get("bump") else ds.get("version")
    check_name_version(name, str(version))
    if before_scan is not None:
        before_scan(c, base / str(version))
    source = instantiate_stage(c["source"])
    log.info("Scanning %s", source.path)
    inputs = source.scan()
    if not inputs:
        raise BuilderError(f"no input files matching {list(source.patterns)} under {source.path} "
                           "(check source.path and the source type: source=text|html|jsonl|parquet)")
    ner = instantiate_stage(c.get("ner"))  # validates model availability before any work
    models = {"ner": ner.identity} if ner is not None else {}
    for group in ("lang", "stance"):  # other labelers: a changed model file changes the fingerprint
        stage = instantiate_stage(c.get(group))
        if stage is not None and getattr(stage, "identity", None):
            models[group] = stage.identity
    fingerprint = fingerprint_of(c, inputs, models)
    return Plan(c, name, str(version), base, source, inputs, ner, models, fingerprint)


def build(cfg: DictConfig | dict) -> dict:
    """Build the release described by ``cfg``; returns a summary (path, fingerprint, counts)."""
    t0 = time.monotonic()
    early: list = []

    def start_workers(c: dict, target: Path) -> None:
        # a version that does not exist yet will be built whatever the scan finds: let the
        # executor start its workers now, so they load their libraries while the inputs are scanned
        if not target.exists():
            executor = instantiate_stage(c["executor"])
            executor.prepare(c)
            early.append(executor)

    try:
        p = plan(cfg, before_scan=start_workers)
        scanned = time.monotonic() - t0
        done = p.existing()
        if done:
            return done
        try:
            with build_lock(p.base, p.version):
                done = p.existing()  # another build may have finished meanwhile
                if done:
                    return done
                counts, report = _build_locked(p, early[0] if early else None, scanned)
        except OSError as e:
            raise BuilderError(f"cannot write to {e.filename or p.base}: {e.strerror or e} (check free space and "
                               "permissions of paths.dist, or set paths.dist=/writable/folder)") from e
    finally:
        for executor in early:  # stopped after phase 2 already, unless the build stopped before
            executor.stop()
    log.info("Built %s in %.1fs", p.target, time.monotonic() - t0)
    for line in format_time_report(report):
        log.info("%s", line)
    return p.summary(status="built", seconds=round(time.monotonic() - t0, 2), counts=counts, time=report)


def _build_locked(p: Plan, executor=None, scanned: float = 0.0) -> tuple[dict, dict]:
    """Run the pipeline and put the release in place; the caller holds the version's lock. Returns the
    counts and the time report (``scanned``: the seconds the scan and plan took)."""
    from builder.executors.base import use_memory_pool

    use_memory_pool(p.c["executor"].get("memory_pool"))  # the CLI set it before importing pyarrow; workers inherit it
    work_root = Path(p.c["paths"]["work_dir"]).expanduser()
    work = work_root / p.fingerprint[:16]
    result = _run(p.c, p.source, p.inputs, work, p.models, executor)
    for stale in [*p.base.glob(f".staging-{p.version}-*"), *work_root.glob(".trash-*")]:
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed build (we hold the lock)
    staging = p.base / f".staging-{p.version}-{os.getpid()}"
    t0 = time.monotonic()
    try:
        head = _write_release(staging, p, result)
        os.rename(staging, p.target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not p.c["executor"].get("keep_work", False):
        # rename first: a build killed while deleting must never resume from half a work folder
        trash = work.with_name(f".trash-{work.name}-{os.getpid()}")
        os.rename(work, trash)
        shutil.rmtree(trash, ignore_errors=True)
        try:
            work_root.rmdir()  # the work root, when no other build uses it
        except OSError:
            pass
    _update_latest(p.base, p.version)
    _update_changelog(p.base, p.target, head)
    wall = {"scan": scanned, **result["wall"], "release": time.monotonic() - t0}
    return result["counts"], time_report(wall, *result["stats"], placement=result["placement"])


def _run(c: dict, source, inputs, work: Path, models: dict, executor=None) -> dict:
    from builder.executors.base import work_barrier, work_phase1, work_phase2

    executor = executor or instantiate_stage(c["executor"])
    clock = StageClock()  # the driver's phases, wall time
    shards = source.shards(inputs)
    pipe = Pipeline(c)
    p1_dirs = [work / "p1" / f"{s.index:05d}-{pipe.phase1_key(s)}" for s in shards]
    executor.start(c)
    clock.lap("start")  # the driver's stages and models, Ray's start or connection
    try:
        log.info("Phase 1 (read, clean, segment): %d inputs in %d shards", len(inputs), len(shards))
        # when the driver has CPU to spare (no shard left to take while a worker finishes its last),
        # it imports what the writer needs, in a thread: off the critical path
        stats1 = executor.map(work_phase1, _Zip(shards, p1_dirs), "clean",
                              on_idle=lambda: threading.Thread(target=_prewarm_imports, name="prewarm",
                                                               daemon=True).start())
        clock.lap("phase 1")
        bkey = digest(*[d.name for d in p1_dirs], json_digest({k: c.get(k) for k in ("dedup", "split", "stance", "boilerplate")}), n=24)
        bdir = work / "barrier" / bkey
        # one task: on a worker when there is a pool, so it does not share the driver's interpreter
        # with the imports above
        bstats = executor.map(work_barrier, [([str(d) for d in p1_dirs], str(bdir))], "barrier")[0]
        log.info("Barrier: %d articles, %d near-duplicate clusters, splits %s", bstats["articles"], bstats["clusters"], bstats["splits"])
        clock.lap("barrier")
        p2key = digest(bkey, json_digest({k: c.get(k) for k in ("ner", "stance")}), json_digest(models), n=16)
        p2_dirs = [work / "p2" / f"{d.name[:5]}-{p2key}" for d in p1_dirs]
        tasks = [(str(d / "docs.parquet"), str(bdir / f"keys-{i:05d}.parquet"), str(bdir), str(o))
                 for i, (d, o) in enumerate(zip(p1_dirs, p2_dirs))]
        log.info("Phase 2 (label): %d shards", len(tasks))
        stats2 = executor.map(work_phase2, tasks, "label")
        clock.lap("phase 2")
    finally:
        executor.stop()
    clock.lap("stop")  # the workers' end (Ray's shutdown when the build started it)
    rejected = Counter()
    read = 0
    for s in stats1:
        read += s["read"]
        rejected.update(s["rejected"])
    for s in stats2:
        rejected.update(s.get("dropped_reasons", {}))
    written = sum(s.get("articles", 0) for s in stats2)
    counts = {"read": read, "written": written, "rejected": dict(sorted(rejected.items())),
              "rejected_total": sum(rejected.values()), "clusters": bstats["clusters"],
              "near_duplicates": bstats["duplicates"],
              "learned_boilerplate_lines": bstats.get("learned_boilerplate_lines", 0)}
    if read != written + counts["rejected_total"]:
        raise BuilderError(f"internal accounting error: read {read} != written {written} + rejected {counts['rejected_total']}")
    return {"p1": p1_dirs, "p2": p2_dirs, "counts": counts, "pipeline": pipe, "barrier": bstats,
            "wall": clock.seconds, "stats": (stats1, stats2), "placement": executor.placement}


class _Zip(Sequence):
    """``(shards[i], str(dirs[i]))``, made when the executor takes task ``i``: the shards of a folder source
    are made from the scanned inputs as they are dispatched, not held all at once."""

    def __init__(self, shards: Sequence, dirs: list[Path]):
        self.shards, self.dirs = shards, dirs

    def __len__(self) -> int:
        return len(self.dirs)

    def __getitem__(self, i: int) -> tuple:
        return self.shards[i], str(self.dirs[i])


def _prewarm_imports() -> None:
    """Import what the writer needs and phase 1 did not (matplotlib, for the charts: 0.6 s of CPU)."""
    try:
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except Exception:  # noqa: BLE001 - the writer imports them again and reports a real problem
        pass


def _concat(paths: list[Path], schema: pa.Schema) -> pa.Table:
    tabs = [pq.read_table(p) for p in paths if p.exists()]
    return pa.concat_tables([t.cast(schema) for t in tabs]) if tabs else schema.empty_table()


#: threads that write a release's files (each holds a chunk of rows and a work row group)
_RELEASE_THREADS = 8


def _write_release(root: Path, p: Plan, result: dict) -> dict:
    c, name, version, fingerprint, inputs, models = p.c, p.name, p.version, p.fingerprint, p.inputs, p.models
    from builder.release import card as card_mod
    from builder.release.charts import render_charts
    from builder.release.diff import diff_releases, to_markdown
    from builder.release.features import features
    from builder.release.writer import config_jobs, file_record, finish_config, write_audit, write_file

    root.mkdir(parents=True)
    pipe: Pipeline = result["pipeline"]
    ner = pipe.stages.get("ner")
    ner_names = ner.tag_names() if ner is not None else None
    max_rows = int(c["release"].get("max_rows_per_file", 100_000))
    arrow = c["release"].get("arrow", True)
    wanted = ["articles", "teasers"] + (["ner"] if ner is not None else []) + (["stance"] if pipe.stages.get("stance") else [])

    def audit() -> list[dict]:
        rejects = pa.concat_tables([_concat([d / "rejects.parquet" for d in result["p1"]], REJECT_SCHEMA),
                                    _concat([d / "_rejects.parquet" for d in result["p2"]], REJECT_SCHEMA)])
        return write_audit(root, [d / "_removed.parquet" for d in result["p2"]], rejects)

    def one_file(job) -> tuple[dict, card_mod.Statistics]:
        stats = card_mod.Statistics()
        return write_file(root, job, on_chunk=lambda t: stats.update(job.config, t)), stats

    feats = {conf: features(conf, ner_names) for conf in wanted}
    inputs_part = root / ".manifest-inputs.part"  # (not a file of the release: removed below)

    def render_inputs() -> None:
        # the manifest's list of inputs, a line per input (1 s at 100k inputs), while the data files are written
        with open(inputs_part, "w", encoding="utf-8") as fh:
            render_list(({"path": f.rel, "bytes": f.size, "sha256": f.sha256} for f in inputs), fh)

    # every data file of every config (a split of up to max_rows_per_file rows is a file), the audit and the
    # manifest's inputs side by side: they are independent, and pyarrow's reading, compression and writing run
    # outside the GIL; the largest files first, the statistics merged in the release's order after
    with ThreadPoolExecutor(max_workers=max(1, min(os.cpu_count() or 1, _RELEASE_THREADS)),
                            thread_name_prefix="release") as pool:
        audit_done = pool.submit(audit)
        planned = [pool.submit(config_jobs, root, conf, [d / f"{conf}.parquet" for d in result["p2"]], feats[conf],
                               max_rows, arrow) for conf in wanted]
        inputs_done = pool.submit(render_inputs)
        jobs = [j for f in planned for j in f.result()]
        by_size = sorted(range(len(jobs)), key=lambda i: -(jobs[i].stop - jobs[i].start))
        futures = {i: pool.submit(one_file, jobs[i]) for i in by_size}
        done = [futures[i].result() for i in range(len(jobs))]
        audit_records = audit_done.result()
        inputs_done.result()
    stats_acc = card_mod.Statistics()
    for _, st in done:  # in the release's order: config, split, file
        stats_acc.merge(st)
    configs = {conf: {"features": feats[conf],
                      "splits": finish_config(root, conf, jobs, [r for r, _ in done], arrow)} for conf in wanted}
    (root / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(c)), encoding="utf-8")

    stages = [pipe.stages[n].describe() if pipe.stages.get(n) else None
              for n in ("extract", "normalize", "segment", "lang", "filter", "boilerplate", "dedup", "split", "ner",
                        "stance")]
    labelers = {}
    if ner is not None:
        labelers["ner"] = ner.labeler
    if pipe.stages.get("stance") is not None:
        labelers["stance"] = pipe.stages["stance"].labeler
    manifest = {
        "name": name,
        "version": version,
        "fingerprint": fingerprint,
        "builder_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config_sha256": json_digest(output_config(c)),
        # written line by line from the scanned inputs (render_inputs): a list of dicts and its
        # JSON text would be ~1 KB per input at once, the largest memory a 100k-input build held
        "inputs": Rendered(inputs_part),
        "models": models,
        "labelers": labelers,
        "stages": [s for s in stages if s],
        "counts": result["counts"],
        "splits": {conf: {s: v["num_examples"] for s, v in cf["splits"].items()} for conf, cf in configs.items()},
        "files": [],
    }
    stats = stats_acc.result(configs)
    manifest["statistics"] = stats
    charts = render_charts(root, stats)
    previous = [v for v in existing_versions(root.parent) if v != version]
    changes = None
    if previous:
        prev = root.parent / previous[-1]
        changes = to_markdown(diff_releases(prev, root, new_version=version))
        (root / "CHANGES.md").write_text(changes, encoding="utf-8")
    manifest["previous_version"] = previous[-1] if previous else None
    meta = {**c["dataset"], "name": name, "version": version}
    quality = c["release"].get("quality") or {}
    (root / "README.md").write_text(card_mod.render(meta, configs, stats, manifest, charts=charts, changes=changes,
                                                    quality=quality), encoding="utf-8")
    # the data and audit files were hashed as they were written, side by side; the rest (card, charts,
    # metadata) here
    known = {r["path"]: r for cf in configs.values() for sp in cf["splits"].values()
             for r in (*sp["file_records"], *sp["arrow_records"])}
    known.update((r["path"], r) for r in audit_records)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p != inputs_part)
    manifest["files"] = [known.get(p.relative_to(root).as_posix()) or file_record(root, p) for p in files]
    write_manifest(root / "manifest.json", manifest)
    inputs_part.unlink()
    return {k: v for k, v in manifest.items() if k not in ("inputs", "files")}


def _update_latest(base: Path, version: str) -> None:
    vs = existing_versions(base)
    latest = vs[-1] if vs else version
    tmp = base / ".latest.tmp"
    tmp.write_text(latest + "\n")
    os.replace(tmp, base / "LATEST")


def _update_changelog(base: Path, target: Path, m: dict) -> None:
    """Prepend this version's entry (``m``: the manifest without its lists) to ``dist/<name>/CHANGELOG.md``."""
    path = base / "CHANGELOG.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Changelog\n"
    head, _, rest = old.partition("\n")
    entry = [f"## {m['version']} ({m['created'][:10]})", "",
             f"Fingerprint `{m['fingerprint'][:12]}`; {m['counts']['written']} articles written, "
             f"{m['counts']['rejected_total']} inputs rejected."]
    changes = target / "CHANGES.md"
    entry += ["", changes.read_text(encoding="utf-8").strip() if changes.exists() else "First release."]
    tmp = base / ".CHANGELOG.md.tmp"
    text = head + "\n\n" + "\n".join(entry) + "\n"
    if rest.strip():
        text += "\n" + rest.lstrip("\n")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
