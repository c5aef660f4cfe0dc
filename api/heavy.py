"""Heavy work: the whole-graph and whole-region computations (clusters, successor shells,
grade distributions, inspection draws; a region's shared watchlist and repair list; a
lock's queue, every waiting ship scored), kept away from the event loop and from light
reads.

* They run in worker processes of their own (started when first needed; the heavy lane's
  at a lower CPU priority): they hold neither the event loop nor this process's GIL, and
  the thread pool of light reads (:mod:`api.context`) never waits behind them.  Two lanes (:data:`LANES`),
  each with its processes and a limit of computations at once per API worker: the
  whole-graph and whole-region computations (seconds to tens of seconds at Yangtze scale),
  and a region's lists (a page of a shared watchlist or of the repair list, a lock's
  queue: a fraction of a second), so that a list never waits behind a traversal.
* A request waits for its answer no longer than its deadline, then gets ``TIMEOUT``.
* Their answers depend on the question and the store only, never on who asks (the key's
  scope is applied afterwards, by the resolver): each is kept per store version
  (:func:`api.cache.store_version`) and computed once however many ask at once.  A
  computation outlives a request that stopped waiting for it, so asking again finds the
  answer; nobody waiting any more, a computation not yet started is dropped.
* Answers are shared on disk too (``answers/`` in the state directory, per store
  version), by every process of every API worker: of those asking at once one computes
  and the others wait for its answer, so a question is computed once per machine, not
  once per API worker.  The whole-graph answers (clusters, successor shells) are kept as
  well, so each region's cut of them costs a filter, not a new traversal; today's are
  precomputed (:meth:`HeavyWork.warm`) when the application starts and when the store
  changed and then stayed unchanged for :data:`SETTLE_S` seconds.

The tasks are named (:data:`TASKS`): only a name and plain arguments cross to a worker
process, which opens the store itself from the settings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import hashlib
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Hashable

from api.cache import store_version
from api.errors import Timeout
from graph_model.errors import ConflictError, CreditKBError, DataError, ForbiddenError, UserError
from graph_model.i18n import DEFAULT, language, message, use_language
from graph_model.settings import Settings
from graph_model.store.port import Store
from queries.access.state import state_dir
from queries.rules.distribution import grade_distribution
from queries.rules.admission import admission_review
from queries.rules.commitments import commitments_due, recheck_draw
from queries.rules.inspection import inspection_draw, inspection_due
from queries.rules.reminders import repair_reminders
from queries.rules.repair import repair_eligible
from queries.rules.watchlist import shared_watchlist
from queries.scoring import lock_queue, schemes
from queries.tracing.clusters import clusters
from queries.tracing.regional import ALL, clusters_in_region, shells_in_region
from queries.tracing.successors import successor_shells

log = logging.getLogger("creditkb.api")

#: lane -> (worker processes, computations at once) per API worker, and how much lower
#: the processes' CPU priority is (a list answers a light read: it is not lowered)
LANES = {"heavy": (2, 2, 10), "lists": (2, 2, 0)}
CACHE_SIZE = 256  # answers kept per API worker
SETTLE_S = 20.0  # the store unchanged this long after a change: precompute again
WATCH_S = 5.0  # how often the store's version is looked at for that

# -- what runs in a worker process --------------------------------------------------------

_store: Store | None = None
_answers: Path | None = None  # where whole-graph answers are shared between processes
_whole: OrderedDict = OrderedDict()  # (version, task, day) -> whole-graph answer
_whole_lock = threading.Lock()


def _whole_graph(store: Store, task: str, day, compute: Callable[[], object]):
    """The whole-graph answer of ``task`` on ``day``, kept while the store is unchanged."""
    version = store_version(store)
    key = (version, task, day)
    with _whole_lock:
        if key in _whole:
            return _whole[key]
    if _answers is not None and version[0] == "version":  # a store that counts its writes
        answer = _shared(f"whole_{task}", version[1], str(day), compute)
    else:
        answer = compute()
    with _whole_lock:
        _whole[key] = answer
        while len(_whole) > 8:
            _whole.popitem(last=False)
    return answer


def _shared(task: str, version, question: str, compute: Callable[[], object]):
    """``compute()``'s answer to ``question`` at the store's ``version``, kept in the
    ``answers/`` folder for every process of every API worker: of the processes asking at
    once, one computes (holding the answer's lock) and the others read what it wrote; the
    answers of ``task`` at other store versions are removed."""
    name = f"{task}-{version}-{question}"
    path = _answers / f"{name}.pickle"
    with open(_answers / f"{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.exists():
                return pickle.loads(path.read_bytes())
            answer = compute()
            part = path.with_suffix(".part")
            part.write_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(part, path)
            for old in _answers.glob(f"{task}-*"):
                if not old.name.startswith(f"{task}-{version}-"):
                    old.unlink(missing_ok=True)
            return answer
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _clusters(store: Store, region: str, day):
    whole = _whole_graph(store, "clusters", day,
                         lambda: clusters(store, as_of=day, limit=ALL))
    return clusters_in_region(store, region, as_of=day, whole=whole)


def _shells(store: Store, region: str, day):
    whole = _whole_graph(store, "shells", day,
                         lambda: successor_shells(store, as_of=day, limit=ALL))
    return shells_in_region(store, region, as_of=day, whole=whole)


def _warm(store: Store, day) -> None:
    """Today's whole-graph answers, computed ahead of the first question."""
    _whole_graph(store, "clusters", day, lambda: clusters(store, as_of=day, limit=ALL))
    _whole_graph(store, "shells", day, lambda: successor_shells(store, as_of=day, limit=ALL))


#: name -> function(store, *args): the heavy questions of the API.
TASKS: dict[str, Callable] = {
    "clusters": _clusters,  # (region, day)
    "successor_shells": _shells,  # (region, day)
    "grade_distribution": lambda store, region, day, scheme:
        grade_distribution(store, region, day, scheme),
    "inspection_draw": lambda store, region, day, seed, scheme=None:
        inspection_draw(store, region, day, seed=seed, scheme=scheme),
    "inspection_due": lambda store, region, day, scheme=None:
        inspection_due(store, region, day, scheme),
    "commitments_due": lambda store, region, day, within:
        commitments_due(store, region, day, within),
    "recheck_draw": lambda store, region, day, ratio, seed:
        recheck_draw(store, region, day, ratio, seed),
    "repair_reminders": repair_reminders,  # (region, day)
    "repair_eligible": lambda store, region, day, after, n:
        repair_eligible(store, region, day, after, n),
    "shared_watchlist": lambda store, region, day, kind, governed, after, n:
        shared_watchlist(store, region, day, kind, governed, after, n),
    "admission_review": lambda store, region, day, list_code:
        admission_review(store, region, list_code, day),
    "lock_queue": lambda store, lock, day, schemes_dir:
        lock_queue(store, lock, day, catalogue=schemes(schemes_dir)),
    "warm": _warm,  # (day)
}
#: the lane of each task (the others are "heavy")
TASK_LANES = {"repair_eligible": "lists", "shared_watchlist": "lists", "lock_queue": "lists",
              "commitments_due": "lists", "repair_reminders": "lists"}


class Failed(CreditKBError):
    """An error of creditkb raised in a worker process, carried back by kind and message
    (creditkb's own errors do not all survive pickling as they are)."""

    KINDS = {"user": UserError, "data": DataError, "conflict": ConflictError,
             "forbidden": ForbiddenError}

    def __init__(self, kind: str, message: str):
        super().__init__(kind, message)
        self.kind, self.message = kind, message

    def error(self) -> CreditKBError:
        return self.KINDS.get(self.kind, CreditKBError)(self.message)


def _kind(exc: CreditKBError) -> str:
    for kind, cls in Failed.KINDS.items():
        if isinstance(exc, cls):
            return kind
    return "other"


def _start(settings: Settings, location: str, nice: int) -> None:
    """A worker process starts: its priority, its own connection to the store the
    application serves (at ``location``: the settings may name another, as in tests), and
    a watch on its parent (an API worker killed without closing its pool leaves no
    computation behind)."""
    global _store, _answers
    from graph_model.store import open_store

    try:
        if nice:
            os.nice(nice)
    except OSError:
        pass
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True, name="creditkb-parent-watch").start()
    _store = open_store(location, settings)
    try:
        _answers = state_dir(settings) / "answers"
        _answers.mkdir(parents=True, exist_ok=True)
    except (CreditKBError, OSError):
        _answers = None  # each process keeps its own


def _run(task: str, args: tuple, lang: str = DEFAULT):
    """A task in a worker process, in the asker's language ``lang`` (the rules' reasons and
    errors are worded in it); its answer shared with the other processes (the other API
    workers' too) through the ``answers/`` folder, where the store counts its writes."""
    try:
        with use_language(lang):
            version = store_version(_store)
            if _answers is None or task == "warm" or version[0] != "version":
                return TASKS[task](_store, *args)
            question = hashlib.sha256(repr((args, lang)).encode("utf-8")).hexdigest()[:20]
            return _shared(task, version[1], question, lambda: TASKS[task](_store, *args))
    except CreditKBError as exc:
        raise Failed(_kind(exc), str(exc)) from None
    except ValueError as exc:  # the rules' checks of their arguments
        raise Failed("user", str(exc)) from None


def _run_with(store: Store, task: str, args: tuple, lang: str = DEFAULT):
    """:func:`_run` on a given store (no worker processes: in a thread)."""
    try:
        with use_language(lang):
            return TASKS[task](store, *args)
    except CreditKBError:
        raise
    except ValueError as exc:
        raise UserError(str(exc)) from None


# -- the API worker's side ----------------------------------------------------------------

class _Lane:
    """Worker processes (or threads) and a limit of computations at once."""

    def __init__(self, name: str, processes: int, slots: int, nice: int):
        self.name, self.processes, self.slots_n, self.nice = name, processes, slots, nice
        self.pool = None
        self.slots: asyncio.Semaphore | None = None


class HeavyWork:
    """The heavy computations of one application (see the module docstring).

    ``processes=0`` runs them in thread pools of this process instead (where worker
    processes cannot open the store: a store object without a path the settings name);
    ``slots`` overrides every lane's limit."""

    def __init__(self, store: Store, settings: Settings, processes: int | None = None,
                 slots: int | None = None, enabled_cache: bool = True):
        self.store = store
        self.settings = settings
        self.lanes = {name: _Lane(name, n if processes is None else processes,
                                  k if slots is None else slots, nice)
                      for name, (n, k, nice) in LANES.items()}
        self.cache_enabled = enabled_cache
        self._pool_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Task] = {}
        self._waiting: dict[Hashable, int] = {}
        self._watch: asyncio.Task | None = None
        self.computed = 0  # computations finished (for tests and the bench)
        self.precomputed = False  # today's whole-graph answers are ready (GET /health)

    # -- pool ------------------------------------------------------------------------------

    def _executor(self, lane: _Lane):
        with self._pool_lock:
            if lane.pool is None:
                if lane.processes > 0:
                    lane.pool = ProcessPoolExecutor(
                        max_workers=lane.processes, initializer=_start,
                        initargs=(self.settings, self.store.location, lane.nice),
                        mp_context=multiprocessing.get_context("spawn"))
                else:
                    lane.pool = ThreadPoolExecutor(max_workers=lane.slots_n,
                                                   thread_name_prefix=f"creditkb-{lane.name}")
            return lane.pool

    async def _compute(self, key: Hashable, task: str, args: tuple, always: bool):
        lane = self.lanes[TASK_LANES.get(task, "heavy")]
        if lane.slots is None:
            lane.slots = asyncio.Semaphore(lane.slots_n)
        async with lane.slots:
            if not always and not self._waiting.get(key):
                raise asyncio.CancelledError  # everyone stopped waiting before it began
            loop = asyncio.get_running_loop()
            pool = self._executor(lane)
            try:
                if lane.processes > 0:
                    answer = await loop.run_in_executor(pool, _run, task, args, key[-1])
                else:
                    answer = await loop.run_in_executor(pool, _run_with, self.store, task, args,
                                                        key[-1])
            except Failed as exc:
                raise exc.error() from None
            except BrokenProcessPool:
                with self._pool_lock:  # a worker process died (killed, out of memory)
                    lane.pool = None
                raise
        self.computed += 1
        return answer

    def _done(self, key: Hashable, task: asyncio.Task) -> None:
        self._inflight.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return
        if self.cache_enabled:
            self._cache[key] = task.result()
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    async def run(self, task: str, args: tuple, deadline: float | None = None,
                  always: bool = False):
        """The answer of ``task`` for ``args`` on the store as it is now: kept, being
        computed (then awaited), or computed; :class:`api.errors.Timeout` at ``deadline``
        (``time.monotonic()``), the computation going on for the next to ask."""
        loop = asyncio.get_running_loop()
        version = await loop.run_in_executor(None, store_version, self.store)
        key = (version, task, args, language())  # an answer words its reasons
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        job = self._inflight.get(key)
        if job is None:
            job = loop.create_task(self._compute(key, task, args, always))
            job.add_done_callback(lambda t, k=key: self._done(k, t))
            self._inflight[key] = job
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            if deadline is None:
                return await asyncio.shield(job)
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError
            return await asyncio.wait_for(asyncio.shield(job), left)
        except asyncio.TimeoutError:
            raise Timeout(message("error.heavy_timeout", task=task)) from None
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]

    # -- precomputing ----------------------------------------------------------------------

    async def warm(self) -> None:
        """Compute today's whole-graph answers in a worker process (not waited for by
        anyone; errors are logged)."""
        try:
            await self.run("warm", (dt.date.today(),), always=True)
            self.precomputed = True
        except Exception:  # noqa: BLE001 - a background task: log, never crash the server
            log.exception("precomputing today's clusters and successor shells failed")

    def start_watching(self) -> None:
        """Precompute now, and again whenever the store changed and then stayed unchanged
        for :data:`SETTLE_S` seconds."""
        if self._watch is None:
            self._watch = asyncio.get_running_loop().create_task(self._watch_store())

    async def _watch_store(self) -> None:
        loop = asyncio.get_running_loop()
        warmed = seen = await loop.run_in_executor(None, store_version, self.store)
        since = time.monotonic()
        await self.warm()
        if warmed[0] != "version":
            return  # a store that cannot tell when it changed (Neo4j): once is all
        while True:
            await asyncio.sleep(WATCH_S)
            version = await loop.run_in_executor(None, store_version, self.store)
            if version != seen:
                seen, since = version, time.monotonic()
            elif version != warmed and time.monotonic() - since >= SETTLE_S:
                warmed = version
                await self.warm()

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        with self._pool_lock:
            pools = [lane.pool for lane in self.lanes.values() if lane.pool is not None]
            for lane in self.lanes.values():
                lane.pool = None
        for pool in pools:
            # (the executor keeps its processes to itself; it would wait for their work)
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:  # a computation under way is not waited for
                process.terminate()
