"""Loading agency exports into a store: read, validate, resolve, build, commit.

Each file is one load and one transaction: its valid rows are committed together, or
(above the bad-row threshold, or on any store error) nothing of it is.  Files already
committed stay committed when a later one fails.  A load is identified by the content of
its file and its kind, so loading the same file again changes nothing; every node and
edge it writes records the load and row it came from, and ``creditkb loads undo`` takes a
load back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generator, Iterable, Mapping

import pandas as pd

from graph_model.gcpause import gc_paused
from graph_model.store.port import LoadInfo, Store, StoreError
from graph_model.store.secret import bind_secret
from graph_model.regions import regions, successors
from loaders.build import build, references, with_subject_uids
from loaders.errors import FileRefused, LoadError
from loaders.free_text import mask_free_text
from loaders.kinds import SUBJECT_KINDS, Kind, guess_kind, kinds
from loaders.lookups import SubjectLookups, subject_props
from loaders.prefetch import prefetch
from loaders.profiles import Profile, find_profile, matching_profile
from loaders.quality import QUALITY_READS, Finding, QualityState
from loaders.reads import shared_reads
from loaders.read import Table, map_headers
from loaders.rejects import file_headers, protect
from loaders.resolve import resolve_names, with_subject_regions
from loaders.validate import FIRST_DATA_ROW, REJECT_COLUMNS, validate

# Subjects before the records about them, penalties before their repairs and payments.
KIND_ORDER = ["enterprises", "vehicles", "vessels", "practitioners", "agreements",
              "jurisdictions", "penalties", "evaluations", "list_entries", "commitments",
              "repairs", "fine_payments", "accidents", "inspections", "monitoring_alarms",
              "port_calls", "complaints", "reviews", "point_entries", "objections",
              "reminders", "credit_reports"]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass
class FileSummary:
    path: str
    kind: str
    load_id: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    nodes_written: int = 0
    edges_written: int = 0
    skipped: str | None = None  # why nothing was done (already loaded)
    profile: str | None = None
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    findings: list[Finding] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column -> the file's header


@dataclass
class Planned:
    path: Path
    kind: str
    table: Table
    digest: Future  # of the load id (see plan)
    profile: Profile | None = None

    @property
    def load_id(self) -> str:
        return self.digest.result()


def ensure_regions(store: Store) -> int:
    """Load the GB/T 2260 region tree once per store (current and retired codes)."""
    table = regions()
    if store.count_nodes("Region") >= len(table):
        return 0
    nodes = table[["code", "name", "level", "valid_from_year", "valid_to_year"]]
    with store.transaction() as tx:
        tx.upsert_nodes("Region", nodes)
        parents = table.dropna(subset=["parent"])
        tx.upsert_edges("PART_OF", pd.DataFrame({"src": "Region:" + parents["code"],
                                                 "dst": "Region:" + parents["parent"]}))
        succ = successors()
        tx.upsert_edges("SUCCEEDED_BY", pd.DataFrame({"src": "Region:" + succ["code"],
                                                      "dst": "Region:" + succ["successor"],
                                                      "year": succ["year"]}))
    return len(nodes)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the data files inside folders named (not recursive)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def load_id_of(path: Path, kind: str) -> str:
    """Same bytes and kind, same load: what makes reloading a file a no-op."""
    digest = hashlib.sha256(kind.encode())
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def plan(paths: Iterable[str | Path], kind: str | None = None,
         profile: str | None = None) -> list[Planned]:
    """Read every file and decide its kind and profile, subjects first.  A file that
    cannot be read as a table is refused here, before any file loads."""
    chosen = find_profile(profile) if profile else None
    found = []
    for path in discover(paths):
        table = Table(path)
        prof = chosen or matching_profile(table.headers)
        headers = [prof.columns.get(h, h) for h in table.headers] if prof else table.headers
        k = kind or (prof.kind if prof else None) or guess_kind(headers)
        if k is None:
            raise LoadError(str(path), "cannot tell which kind of file this is from its "
                                       f"headers; name it with --kind ({', '.join(KIND_ORDER)})")
        if k not in kinds():
            raise LoadError(str(path), f"unknown kind {k!r}; one of {', '.join(KIND_ORDER)}")
        found.append((path, k, table, prof))
    found.sort(key=lambda t: KIND_ORDER.index(t[1]))
    # A file's load id (the digest of its bytes) is needed only when its turn comes: taken
    # in a thread, in load order, while the files before it load, not before the first
    # (at Yangtze scale 2.5 GB: 2-3 s of hashing).  The thread ends after the last.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditkb-digest")
    try:
        return [Planned(path, k, table, pool.submit(_digest, path, k), prof)
                for path, k, table, prof in found]
    finally:
        pool.shutdown(wait=False)


def _digest(path: Path, kind: str) -> str:
    try:
        return load_id_of(path, kind)
    except OSError as exc:  # gone or unreadable since it was planned
        raise LoadError(str(path), f"cannot be read again: {exc.strerror}") from None


#: Rules a file kind's rows must keep beyond their column checks, by kind: each takes the
#: store and the rows (exchange-format columns) and returns, per row, the (column, reason)
#: pairs it breaks.  The credit rules give them (queries.rules.repair.row_rules: a repair
#: before the minimum publication period or of the wrong mode); the loaders apply them.
#: A rule may carry ``reads`` ({label: properties}): what it reads with ``node_props`` of
#: the nodes of those labels its rows name; a load reads them once per chunk for all its
#: checks (loaders.reads).  It may carry ``columns``: the only columns its rows need hold.
RowRules = Mapping[str, Callable[[Store, list[dict]], list[list[tuple[str, str]]]]]


@dataclass(frozen=True)
class Checks:
    """What a load checks beyond the columns: ``rules`` (see :data:`RowRules`), and whether
    a row breaking them is kept with a data-quality finding (``lenient``) or rejected."""

    rules: RowRules = field(default_factory=dict)
    lenient: bool = False


def load_paths(store: Store, paths: Iterable[str | Path], secret: str, kind: str | None = None,
               max_bad_fraction: float = 0.1, agency: str | None = None,
               profile: str | None = None,
               on_file: Callable[[FileSummary], None] | None = None,
               checks: Checks | None = None) -> list[FileSummary]:
    """Load the files named (folders: the data files in them), subjects first, holding
    the store's load lock throughout; the store must have been hashed with ``secret``,
    or be new and record it (see graph_model.store.secret).  ``checks``: the rules rows
    must keep beyond their columns (``creditkb load`` passes the credit rules')."""
    with store.load_lock():
        bind_secret(store, secret)
        return _load_planned(store, paths, secret, kind, max_bad_fraction, agency, profile,
                             on_file, checks or Checks())


def _load_planned(store: Store, paths: Iterable[str | Path], secret: str, kind: str | None,
                  max_bad_fraction: float, agency: str | None, profile: str | None,
                  on_file: Callable[[FileSummary], None] | None,
                  checks: Checks) -> list[FileSummary]:
    ensure_regions(store)
    done = {info.load_id: info for info in store.loads() if info.status == "committed"}
    summaries = []
    planned = plan(paths, kind, profile)
    with ExitStack() as subjects, _cancelling(planned):
        deferring = False
        for item in planned:
            # The subject files (first in the plan) each add much of the traversal graph:
            # it is handed over to readers once, after the last of them, before any
            # records are loaded (Store.topology_deferred).
            subject = kinds()[item.kind].label in SUBJECT_KINDS.values()
            if subject and not deferring:
                subjects.enter_context(store.topology_deferred())
            elif deferring and not subject:
                subjects.close()
            deferring = subject
            if item.load_id in done:
                prev = done[item.load_id]
                summary = FileSummary(str(item.path), item.kind, item.load_id, skipped=(
                    f"already loaded as load {item.load_id} ({prev.file}, {prev.started_at})"))
            else:
                summary = load_table(store, item, secret, max_bad_fraction,
                                     agency=agency or (item.profile.agency if item.profile else None),
                                     checks=checks)
                summary.profile = item.profile.name if item.profile else None
            summaries.append(summary)
            if on_file:
                on_file(summary)
    return summaries


@contextmanager
def _cancelling(planned: list[Planned]):
    """The digests not begun are dropped when the load ends (a file refused: the rest)."""
    try:
        yield
    finally:
        for item in planned:
            item.digest.cancel()


class _Rollback(Exception):
    """Raised inside the transaction to undo a file that turned out too bad."""


def load_table(store: Store, item: Planned, secret: str, max_bad_fraction: float = 0.1,
               agency: str | None = None, checks: Checks | None = None) -> FileSummary:
    """Load one file in chunks, all inside one transaction."""
    kind, path = kinds()[item.kind], str(item.path)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    summary = FileSummary(path, item.kind, item.load_id, headers=file_headers(
        kind, item.table.headers, item.table.raw_headers,
        item.profile.columns if item.profile else None))
    info = LoadInfo(load_id=item.load_id, file=path, kind=item.kind, started_at=started,
                    agency=agency)
    rejects: list[pd.DataFrame] = []
    try:
        # The first chunk is prepared, and the second begun, before the transaction
        # waits to begin (the store may first finish copying the last file's log: see
        # EmbeddedStore.transaction).  Should another commit come in between, they are
        # prepared again inside it: every chunk is checked against the store as the
        # load's transaction finds it, as when all were prepared inside.
        version = store.version()  # (None: a store that cannot tell; prepared inside then)
        state, prepared, first = _prepare(store, item, kind, secret, checks or Checks()) \
            if version is not None else (None, None, None)
        # The load is recorded with its counts when it commits: they are known only then.
        with _closing_last(lambda: prepared), store.transaction(info) as tx:
            if prepared is None or store.version() != version:
                if prepared is not None:
                    prepared.close()
                state, prepared, first = _prepare(store, item, kind, secret, checks or Checks())
            for read, kept, bad, (nodes, edges) in itertools.chain(
                    [first] if first is not None else [], prepared):
                rejects.extend(bad)
                summary.rows_read += read
                summary.rows_loaded += kept
                for batch in nodes:
                    summary.nodes_written += tx.upsert_nodes(batch.label, batch)
                    # a record's subject and agency, written with its row
                    summary.edges_written += batch.link_count()
                for rel, ef in edges:
                    summary.edges_written += tx.upsert_edges(rel, ef)
            if summary.rows_read == 0:
                raise LoadError(path, "the file has a header but no data rows")
            summary.rows_rejected = summary.rows_read - summary.rows_loaded
            summary.rejects = _report(rejects)
            summary.findings = state.findings()
            if summary.rows_rejected > max_bad_fraction * summary.rows_read:
                raise _Rollback
            tx.finish_load(dataclasses.replace(info, rows_read=summary.rows_read,
                                               rows_loaded=summary.rows_loaded,
                                               rows_rejected=summary.rows_rejected))
    except _Rollback:
        first = summary.rejects.iloc[0]
        column = summary.headers.get(first["column"], first["column"])
        raise FileRefused(path, f"{summary.rows_rejected} of {summary.rows_read} rows are bad, "
                                f"above the threshold of {max_bad_fraction:.0%}; nothing of this "
                                f"file was loaded (first: row {first['row']}, {column}: "
                                f"{first['reason']})", summary) from None
    except StoreError as exc:  # disk full, I/O error: say which file it stopped
        raise LoadError(path, f"nothing of this file was loaded: {exc}") from exc
    return summary


def _prepare(store: Store, item: Planned, kind: Kind, secret: str, checks: Checks):
    """A file's quality state, its chunks prepared one ahead (see :func:`_prepared`), and
    the first chunk (None: none), asked for now."""
    state = QualityState()
    chunks = prefetch(_prepared(store, item, kind, secret, state, checks))
    return state, chunks, next(chunks, None)  # (a chunk is a tuple, never None)


@contextmanager
def _closing_last(current: Callable[[], Generator | None]):
    """Closes the generator ``current()`` gives when the block ends (it may change)."""
    try:
        yield
    finally:
        if (last := current()) is not None:
            last.close()


def _prepared(store: Store, item: Planned, kind: Kind, secret: str, state: QualityState,
              checks: Checks):
    """Per chunk of the file: rows read, rows kept, rejects, and the nodes and edges to
    write.  Run ahead of the writes (see loaders.prefetch), so its store reads see what
    was committed before this load, never this load's own writes: no kind refers to
    nodes its own file creates, and repeats within the file are caught by ``state``.
    The node frames come prepared for the store (``Store.prepare_nodes``), which is the
    larger part of a write's work that needs no transaction."""
    path = str(item.path)
    subjects = SubjectLookups(store, subject_props(kind.label))  # read once for all chunks
    for chunk in _first_cut(item.table.chunks(columns=item.profile.columns if item.profile else None)):
        # A chunk's checks keep a dict or more a row until they end (a repair's penalty, its
        # row for the rules): the collector walked them again and again (repairs at scale 1:
        # 3,470 collections, 1.6 s of the preparing thread's 13 s).
        with gc_paused():
            df, bad = _check_chunk(store, path, kind, chunk, secret, state,
                                   excel=item.table.excel, checks=checks, subjects=subjects)
        nodes, edges = build(kind, df, secret).merged()
        batches = [store.prepare_nodes(label, nf, item.load_id) for label, nf in nodes]
        yield len(chunk), len(df), [b for b in bad if len(b)], (batches, edges)


FIRST_PIECE = 20_000  # rows (see _first_cut)


def _first_cut(chunks):
    """The chunks of a file, the first cut after FIRST_PIECE rows: nothing is written
    until the first piece is prepared, and a smaller piece keeps that wait short; later
    pieces are prepared while earlier ones are written.  (Row numbers are the frames'
    index, so they survive the cut.)"""
    for i, chunk in enumerate(chunks):
        if i == 0 and len(chunk) > 2 * FIRST_PIECE:
            yield chunk.iloc[:FIRST_PIECE]
            yield chunk.iloc[FIRST_PIECE:]
        else:
            yield chunk


def _check_chunk(store, path, kind, chunk, secret, state, excel=False, checks=None,
                 subjects: SubjectLookups | None = None):
    """Validate and resolve one chunk (``excel``: read from a workbook): (rows to write,
    list of rejects frames, with no resident ID number in clear).  ``subjects``: what the
    file's earlier chunks read of the subjects they name."""
    subjects = subjects or SubjectLookups(store, subject_props(kind.label))
    frame = mask_free_text(kind, map_headers(Path(path), chunk, kind), state)
    checked = validate(path, frame, kind, excel=excel)
    df, bad1 = resolve_names(store, path, kind, checked.frame)
    df = with_subject_uids(df, secret)
    checks = checks or Checks()
    reads = _shared_reads(store, kind, df, secret, checks)
    df, bad2 = _drop_dangling(reads, path, kind, df, secret, subjects)
    df = with_subject_regions(subjects, kind, df)
    df, bad3 = state.check(reads, path, kind, df, secret, bad2)
    df, bad4 = _row_rules(reads, path, kind, df, checks, state)
    return df, [protect(b, kind) for b in (checked.rejects, bad1, bad2, bad3, bad4)]


def _shared_reads(store: Store, kind: Kind, df: pd.DataFrame, secret: str, checks: Checks) -> Store:
    """The store the chunk's checks read: the nodes its rows name whose properties its
    row rule reads (the rule's ``reads``, see :data:`RowRules`) are read once, with what
    the quality checks read of them too (loaders.reads)."""
    rule = checks.rules.get(kind.name)
    wanted = getattr(rule, "reads", None)
    if not wanted or df.empty:
        return store
    reads = {label: (*props, *QUALITY_READS.get(label, ())) for label, props in wanted.items()}
    return shared_reads(store, [r for r in references(kind.name, df, secret)
                                if r[0] != "subject_id"], reads)


def _row_rules(store: Store, path: str, kind: Kind, df: pd.DataFrame, checks: Checks,
               state: QualityState):
    """Rows breaking the rules of their kind (:class:`Checks`): rejected, naming the column
    and the reason, or with ``lenient`` kept and reported as a data-quality finding."""
    rule = checks.rules.get(kind.name)
    if rule is None or df.empty:
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    columns = getattr(rule, "columns", None)  # (only what it reads: see RowRules)
    rows = _records(df if columns is None else df[[c for c in columns if c in df.columns]])
    broken = [(i, col, reason) for i, found in zip(df.index, rule(store, rows))
              for col, reason in found]
    if not broken:
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    at = [i for i, _, _ in broken]
    if checks.lenient:
        state.note("rule_broken", [i + FIRST_DATA_ROW for i in at],
                   "{n} row(s) break the rules of their kind (kept as asked; they never "
                   "count): " + "; ".join(dict.fromkeys(r for _, _, r in broken))[:300])
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    rejects = pd.DataFrame({
        "file": path, "row": [i + FIRST_DATA_ROW for i in at],
        "column": [c for _, c, _ in broken],
        "value": [_cell(df, i, c) for i, c, _ in broken],
        "reason": [r for _, _, r in broken]})
    return df.drop(index=sorted(set(at))), rejects


def _records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as dicts by column, a missing value None: what
    ``df.astype(object).where(df.notna(), None).to_dict("records")`` gives, built a column
    at a time (to_dict boxes each value in Python: 6 % of a repairs load's preparing
    thread)."""
    columns = [s.astype(object).where(s.notna(), None).tolist() for _, s in df.items()]
    names = df.columns.tolist()
    return [dict(zip(names, values)) for values in zip(*columns)]


def _cell(df: pd.DataFrame, row, column: str) -> str | None:
    if column not in df.columns or pd.isna(value := df.at[row, column]):
        return None
    return str(value)


def _report(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["row", "column"], kind="stable",
                                                           ignore_index=True)


def reject_rows(path: str, rows: pd.Series, column: str, values: pd.Series,
                reasons) -> pd.DataFrame:
    """Rejects-report lines for the rows (file positions) in ``rows``."""
    return pd.DataFrame({"file": path, "row": rows.to_numpy() + FIRST_DATA_ROW, "column": column,
                         "value": values.astype("string").to_numpy(), "reason": reasons})


def _drop_dangling(store: Store, path: str, kind: Kind, df: pd.DataFrame, secret: str,
                   subjects: SubjectLookups):
    """Rows naming a node that is not in the store are rejected (no kind refers to nodes
    its own file creates, so the store is the only place to look; the rows' subjects are
    looked up through ``subjects``)."""
    refs = references(kind.name, df, secret)
    if not refs:
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    # The distinct uids of the subject column and of the others, each asked of where they
    # are looked up; the usual case is one of them (a column, or the other refs only).
    # (One unique a group: a fine payments file's 2.7 M penalties were made unique twice.)
    known: set[str] = set()
    complete = True  # every uid named is known
    for is_subject in (True, False):
        part = [r for col, r in refs if (col == "subject_id") == is_subject]
        if part:
            named = part[0] if len(part) == 1 else pd.concat(part)
            asked = named.dropna().unique().tolist()
            found = (subjects if is_subject else store).existing(asked)
            complete = complete and len(found) == len(asked) and not named.hasnans
            known |= found
    if complete:  # the usual case: nothing missing
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    parts = []
    bad_rows: set[int] = set()
    for col, uids in refs:
        missing = uids[~uids.isin(known)]
        if len(missing):
            label, _, key = (missing.str.partition(":")[i] for i in range(3))
            shown = key.where(label != "Person", "(resident ID)")  # never a person's hash
            parts.append(reject_rows(path, pd.Series(missing.index), col, shown,
                                     ("unknown " + label + " (not loaded before)").to_numpy()))
            bad_rows.update(missing.index.tolist())
    rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    return df.drop(index=list(bad_rows)), rejects
