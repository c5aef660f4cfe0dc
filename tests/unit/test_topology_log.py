"""The topology's persistence: a small graph-changing commit appends a patch to a log
beside the base arrays instead of rewriting them; a store opened afterwards (as another
process would) answers every traversal as a topology rebuilt from SQLite, after a
process killed between the patch's append and its COMMIT, or between a rebuild's COMMIT
and its rename, with a torn or damaged patch, and after the log is folded into a new base."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph_model.store.embedded import store as store_module
from graph_model.store.embedded.patchlog import Patch, PatchLog
from graph_model.store.embedded.store import PATCH_FILE, TOPOLOGY_FILE, EmbeddedStore
from graph_model.store.embedded.topology import Topology
from tests.unit.test_topology_patch import traversals

FIRM = "91320506MA1MKT3P0P"
OTHER = "91320500MA1XXXXX0X"


def add(store: EmbeddedStore, plates: list[str], firm: str = FIRM) -> None:
    """One commit: vehicles and the firm's OWNS edges to them (a patch, once a base exists)."""
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [firm]}))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": plates}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": f"Enterprise:{firm}",
                                              "dst": [f"Vehicle:{p}" for p in plates]}))


def uids(store: EmbeddedStore) -> list[str]:
    return [n.uid for label in ("Enterprise", "Vehicle")
            for n in store.find_nodes(label, limit=1000)]


def rebuilt(path: str) -> list:
    """The traversals of a store whose topology is rebuilt from SQLite."""
    store = EmbeddedStore(path)
    try:
        store._topology = store._build_topology(store.topology_generation(), save=False)
        return traversals(store, uids(store))
    finally:
        store.close()


def reopened(path: str, monkeypatch=None) -> list:
    """The traversals of the store opened afresh (from its cache when ``monkeypatch`` is
    given: a rebuild then fails the test)."""
    store = EmbeddedStore(path)
    if monkeypatch is not None:
        def no_rebuild(*args, **kwargs):
            raise AssertionError("the topology was rebuilt, not read from base + patches")
        monkeypatch.setattr(store, "_build_topology", no_rebuild)
    try:
        return traversals(store, uids(store))
    finally:
        store.close()


@pytest.fixture
def path(tmp_path) -> str:
    """A store with a base and three patches after it."""
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    add(store, ["苏E00005", "苏E00009"])
    add(store, ["苏E00001"], OTHER)  # before every stored node in uid order
    add(store, ["苏E00007", "苏E00008"])  # between stored ones
    add(store, ["苏E00099", "苏E00005"], OTHER)  # after them all, and an edge to a stored one
    assert store.last_topology_change == "patched"
    store.close()
    return path


def test_patches_write_a_small_log_and_leave_the_base_as_it_was(tmp_path, monkeypatch):
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    add(store, [f"苏E{i:05d}" for i in range(0, 400, 2)])
    base = Path(path, TOPOLOGY_FILE)
    stamp = base.stat().st_mtime_ns, base.read_bytes()
    for i in range(3):
        add(store, [f"苏E{i * 2 + 1:05d}"])
        assert store.last_topology_change == "patched"
    assert (base.stat().st_mtime_ns, base.read_bytes()) == stamp
    log = Path(path, PATCH_FILE).stat().st_size
    assert log < len(stamp[1]) / 10, (log, len(stamp[1]))
    store.close()
    assert reopened(path, monkeypatch) == rebuilt(path)


def test_a_store_reopened_after_patches_reads_base_and_patches(path, monkeypatch):
    assert len(PatchLog(os.path.join(path, PATCH_FILE)).chain(1, 4)) == 3
    assert reopened(path, monkeypatch) == rebuilt(path)


def test_a_process_holding_the_topology_applies_only_the_new_patches(path, monkeypatch):
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    try:
        before = traversals(reader, uids(reader))
        add(writer, ["苏E00003"])
        monkeypatch.setattr(store_module.Topology, "load", lambda *a, **k: pytest.fail("base read"))
        after = traversals(reader, uids(reader))
        assert after != before
    finally:
        reader.close()
        writer.close()
    monkeypatch.undo()
    assert after == rebuilt(path)


@pytest.mark.parametrize("damage", ["torn", "flipped"])
def test_a_torn_or_damaged_patch_is_never_applied(path, damage):
    log = Path(path, PATCH_FILE)
    data = bytearray(log.read_bytes())
    if damage == "torn":
        data = data[:-5]  # the last record's end never reached the disk
    else:
        data[-36] ^= 0x01  # a bit of the last record's last edge id
    log.write_bytes(bytes(data))
    assert reopened(path) == rebuilt(path)
    # and a later patch is written after the good records (the damaged one dropped)
    store = EmbeddedStore(path)
    store.topology()
    add(store, ["苏E00004"])
    store.close()
    assert reopened(path) == rebuilt(path)


def test_a_patch_of_a_generation_that_never_committed_is_ignored_then_cut(path):
    store = EmbeddedStore(path)
    gen = store.topology_generation()
    store.close()
    # what a writer killed between its append and its COMMIT leaves: a patch of the next
    # generation adding an edge that is not in SQLite
    bogus = Patch(gen + 1, np.array([[1, 2, 0, 10_000]]), np.zeros(0, np.int64),
                  np.zeros(0, np.int64), np.zeros(0, np.int64), 10_000, 10_000)
    PatchLog(os.path.join(path, PATCH_FILE)).append(bogus, 0)
    assert reopened(path) == rebuilt(path)
    store = EmbeddedStore(path)
    add(store, ["苏E00006"])  # the real commit of that generation
    assert store.last_topology_change == "patched"
    store.close()
    assert [p.edges.tolist() for p in PatchLog(os.path.join(path, PATCH_FILE)).chain(gen, gen + 1)] \
        != [bogus.edges.tolist()]
    assert reopened(path) == rebuilt(path)


CRASH = textwrap.dedent("""
    import os, sys
    import pandas as pd
    from graph_model.store.embedded import store as m
    from graph_model.store.embedded.patchlog import PatchLog
    where, path, firm = sys.argv[1:]
    if where == "append":  # killed after the patch is appended, before COMMIT
        append = PatchLog.append
        def append_and_die(self, *a):
            append(self, *a)
            os._exit(9)
        PatchLog.append = append_and_die
    else:  # a commit that rebuilds (the log folded), killed after its COMMIT, before
        m.PATCHES_KEPT = 0  # its new base is renamed into place
        replace = os.replace
        def die_at_rename(src, dst):
            if dst.endswith(m.TOPOLOGY_FILE):
                os._exit(9)
            replace(src, dst)
        m.os.replace = die_at_rename
    store = m.EmbeddedStore(path)
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00002"]}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:" + firm], "dst": ["Vehicle:苏E00002"]}))
""")


@pytest.mark.parametrize("where", ["append", "rename"])
def test_a_writer_killed_between_its_writes_leaves_the_right_traversals(path, where):
    store = EmbeddedStore(path)
    gen = store.topology_generation()
    store.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", CRASH, where, path, FIRM], env=env)
    assert proc.returncode == 9
    store = EmbeddedStore(path)
    committed = store.topology_generation()
    store.close()
    assert committed == (gen if where == "append" else gen + 1)
    assert reopened(path) == rebuilt(path)
    store = EmbeddedStore(path)
    add(store, ["苏E00003"])
    store.close()
    assert reopened(path) == rebuilt(path)


def test_the_log_is_folded_into_a_new_base_when_it_grows(path, monkeypatch):
    monkeypatch.setattr(store_module, "PATCHES_KEPT", 3)
    store = EmbeddedStore(path)
    add(store, ["苏E00011"])  # the fourth patch after the base: folded
    assert store.last_topology_change == "rebuilt"
    gen = store.topology_generation()
    assert store_module.Topology.peek(os.path.join(path, TOPOLOGY_FILE)).generation == gen
    add(store, ["苏E00012"])
    assert store.last_topology_change == "patched"
    store.close()
    # the next patch dropped the records the new base holds
    log = PatchLog(os.path.join(path, PATCH_FILE))
    assert log.chain(gen, gen + 1) is not None and log.chain(0, gen + 1) is None
    monkeypatch.undo()
    assert reopened(path, monkeypatch) == rebuilt(path)



def counting_builds(store: EmbeddedStore, monkeypatch) -> list[int]:
    """The generations ``store`` rebuilds its topology at, from now on."""
    built, real = [], store._build_topology
    def build(gen, *args, **kwargs):
        built.append(gen)
        return real(gen, *args, **kwargs)
    monkeypatch.setattr(store, "_build_topology", build)
    return built


def test_commits_inside_topology_deferred_leave_one_rebuild_to_the_blocks_end(tmp_path,
                                                                               monkeypatch):
    """A fresh load's subject files each add most of the graph (here: any commit is too
    large to patch): inside the block their commits write no cache (a process opening the
    store meanwhile builds its own and answers as SQLite does); at its end the topology of
    the last commit is built once and cached, and a store opened afterwards reads it."""
    monkeypatch.setattr(store_module, "PATCH_MIN", 0)
    monkeypatch.setattr(store_module, "PATCH_SHARE", 0)
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    add(store, ["苏E00005"])
    base = Path(path, TOPOLOGY_FILE)
    before = base.read_bytes()
    built = counting_builds(store, monkeypatch)
    with store.topology_deferred():
        for i in range(3):
            add(store, [f"苏E{i}{j:04d}" for j in range(30)], OTHER if i % 2 else FIRM)
            assert store.last_topology_change == "deferred"
        assert base.read_bytes() == before and built == []
        assert reopened(str(tmp_path / "s")) == rebuilt(path)  # (another process: its own)
        base.write_bytes(before)  # (as if that process had not cached it)
    assert built == [store.topology_generation()]
    assert Topology.peek(str(base)).generation == store.topology_generation()
    assert traversals(store, uids(store)) == rebuilt(path)
    add(store, ["苏E99999"])  # after the block: as before
    assert store.last_topology_change == "rebuilt"
    store.close()
    assert reopened(path, monkeypatch) == rebuilt(path)


def test_inside_the_block_a_small_commit_still_patches_and_a_readers_cache_is_kept(tmp_path,
                                                                                  monkeypatch):
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    add(store, [f"苏E{i:05d}" for i in range(0, 400, 2)])
    built = counting_builds(store, monkeypatch)
    with store.topology_deferred():
        add(store, ["苏E00001"])  # a daily file's few subjects: a patch, as outside
        assert store.last_topology_change == "patched"
        monkeypatch.setattr(store_module, "PATCH_MIN", 0)
        monkeypatch.setattr(store_module, "PATCH_SHARE", 0)
        add(store, ["苏E00003"])
        assert store.last_topology_change == "deferred"
        assert reopened(path) == rebuilt(path)  # another process builds and caches it
    assert built == []  # (the block's end found the reader's cache current)
    assert Topology.peek(str(Path(path, TOPOLOGY_FILE))).generation == store.topology_generation()
    store.close()
    assert reopened(path, monkeypatch) == rebuilt(path)
