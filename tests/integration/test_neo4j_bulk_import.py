"""``creditkb export --neo4j-import`` (issue 19, item 3): the files a real
``neo4j-admin database import full`` takes (the import tool of tools/neo4j-server's Neo4j,
on its class path), giving a database the Neo4j adapter reads as the embedded store it came
from; and a daily export then loaded through the driver onto both leaves them alike.
Needs Java and the built tools/neo4j-server (as ./scripts/test builds it), else skips."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from creditkb.synth.delta import delta_frame
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.neo4j.bulk_import import export
from loaders.load import load_paths
from tests.integration.test_incremental_load import small_export, write_set
from tests.integration.test_store_agreement import assert_same, snapshot
from tests.support.stores import TEST_SECRET, neo4j_settings

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tools" / "neo4j-server"
CLASSPATH = SERVER / "target" / "classpath.txt"


@pytest.fixture
def java():
    if not shutil.which("java") or not CLASSPATH.exists():
        pytest.skip("no Java, or tools/neo4j-server not built (./scripts/test builds it)")
    return CLASSPATH.read_text().strip()


def neo4j_admin(classpath: str, home: Path, *args: str) -> subprocess.CompletedProcess:
    (home / "conf").mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text(f"server.directories.data={home / 'data'}\n")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    return subprocess.run(["java", "-Xmx512m", "-cp", classpath, "org.neo4j.cli.AdminTool", *args],
                          env=env, capture_output=True, text=True, timeout=600)


def test_an_imported_store_reads_as_its_source_and_takes_daily_loads_through_the_driver(
        java, tmp_path):
    from graph_model.store.neo4j.store import Neo4jStore

    frames = small_export(tmp_path / "full")
    source = EmbeddedStore(str(tmp_path / "embedded"))
    load_paths(source, [write_set(tmp_path / "base", frames)], TEST_SECRET)
    written = export(source, tmp_path / "import")
    assert written["nodes-Penalty.csv"] == source.count_nodes("Penalty") > 0
    assert written["links-ABOUT.csv"] == source.count_edges("ABOUT")
    header = (tmp_path / "import" / "nodes-Penalty.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("uid:ID(Node),") and "fine:double" in header  # number: a double

    home = tmp_path / "neo4j"
    done = neo4j_admin(java, home, "database", "import", "full", f"@{tmp_path / 'import' / 'import.args'}")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "IMPORT DONE" in done.stdout

    password = "bulk-import-test"
    server = subprocess.Popen([str(SERVER / "run"), "--exit-with-parent",
                               f"server.directories.data={home / 'data'}",
                               "server.memory.pagecache.size=64m"],
                              env={**os.environ, "NEO4J_PASSWORD": password,
                                   "NEO4J_SERVER_HEAP": "512m"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        uri = server.stdout.readline().strip()
        assert uri.startswith("bolt://"), server.stderr.read()[-2000:]
        settings = replace(neo4j_settings(secret=TEST_SECRET), neo4j_user="neo4j",
                           neo4j_password=password, neo4j_database=None)
        imported = Neo4jStore(uri, settings)
        try:
            imported.ensure_schema()
            assert_same(snapshot(source), snapshot(imported))
            delta = delta_frame(frames["penalties"], "penalties", 0.1, seed=3)
            day = write_set(tmp_path / "day", {"penalties": delta})
            for store in (source, imported):
                [summary] = load_paths(store, [day], TEST_SECRET)
                assert (summary.rows_loaded, summary.rows_rejected) == (len(delta), 0)
            assert_same(snapshot(source), snapshot(imported))
        finally:
            imported.close()
    finally:
        server.terminate()
        server.wait(timeout=60)
        source.close()
