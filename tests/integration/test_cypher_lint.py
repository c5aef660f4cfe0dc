"""Offline check of every Cypher statement the Neo4j adapter can send.

No Neo4j server runs here, so the statements are checked with Neo4j's own Cypher parser
and semantic analysis (npm ``@neo4j-cypher/language-support``, driven by
``tools/cypher-lint/lint.mjs``), as Cypher 5 (Neo4j 5) and as Cypher 25 (Neo4j 2025+).
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graph_model.store.neo4j import cypher
from graph_model.store.neo4j import store as neo4j_store
from graph_model.schema import schema

LINT_DIR = Path(__file__).resolve().parents[2] / "tools" / "cypher-lint"
LINT = LINT_DIR / "lint.mjs"
PACKAGE = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
VERSIONS = ("CYPHER 5", "CYPHER 25")
# Keys of the maps in $rows (row.uid, row.src, ...): the check cannot tell a map from a
# node, so they are declared next to the schema's property keys.
ROW_KEYS = ("uid", "src", "dst", "props")


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("node is not on PATH: install Node.js (20 or later) to check the Cypher")
    if not PACKAGE.is_dir():
        pytest.fail("the Cypher checker is not installed: run `npm ci --prefix tools/cypher-lint`")
    return exe


def lint(node: str, payload, versions=VERSIONS) -> tuple[int, list[dict]]:
    """Run lint.mjs on ``payload``, one process per Cypher version (in parallel: the
    semantic analysis takes ~0.1 s a statement). Returns the worst exit code and all
    results."""

    def one(version: str) -> tuple[int, list[dict]]:
        proc = subprocess.run(
            [node, str(LINT), "--versions", version], input=json.dumps(payload),
            capture_output=True, text=True, timeout=600,
        )
        if proc.returncode not in (0, 1):
            pytest.fail(f"lint.mjs failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.returncode, json.loads(proc.stdout)

    with ThreadPoolExecutor(len(versions)) as pool:
        runs = list(pool.map(one, versions))
    return max(rc for rc, _ in runs), [r for _, results in runs for r in results]


def lint_schema() -> dict:
    """What the check may take as known: the schema's names plus the adapter's own."""
    s = schema()
    props = {p for lab in s.labels.values() for p in lab.properties}
    props |= {p for rel in s.relationships.values() for p in rel.properties}
    return {
        "labels": [*s.labels, *cypher.BOOKKEEPING["labels"]],
        "relationshipTypes": list(s.relationships),
        "propertyKeys": sorted(props | set(ROW_KEYS) | set(cypher.BOOKKEEPING["propertyKeys"])),
    }


def diagnostics(results: list[dict], severity: str) -> list[str]:
    return [
        f"{r['name']} [{r['version']}] {d['line']}:{d['column']} {d['message']}"
        for r in results for d in r["diagnostics"] if d["severity"] == severity
    ]


def test_every_statement_the_adapter_can_send_passes_neo4js_parser(node):
    statements = cypher.all_statements()
    payload = {
        "schema": lint_schema(),
        "statements": [
            {"name": s.name, "cypher": s.text, "parameters": sorted(s.params)} for s in statements
        ],
    }
    rc, results = lint(node, payload)
    assert len(results) == len(statements) * len(VERSIONS)
    assert diagnostics(results, "error") == [] and rc == 0
    # With the schema declared, a warning means a misspelt name or deprecated syntax.
    assert diagnostics(results, "warning") == []


def test_all_statements_is_what_the_adapter_builds():
    pairs = neo4j_store.all_statements()
    assert pairs == [(s.name, s.text) for s in cypher.all_statements()]
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names))
    s = schema()
    for label in s.labels:
        assert f"merge_nodes:{label}" in names and f"count_nodes:{label}" in names
    for rel in s.relationships:
        kind = "merge_links" if s.rel(rel).one_per_source else "merge_edges"
        assert f"{kind}:{rel}" in names
    for direction in ("out", "in", "both"):
        assert f"neighbours:{direction}:capped" in names and f"neighbours:{direction}:all" in names


def test_statements_declare_exactly_the_parameters_they_use():
    for s in cypher.all_statements():
        assert set(re.findall(r"\$(\w+)", s.text)) == s.params, s.name


def test_the_adapter_sends_cypher_only_through_declared_statements():
    # One call site, `_run`, which takes a Statement: every text sent is a built one.
    assert inspect.getsource(neo4j_store).count(".run(") == 1


def test_a_syntax_error_is_reported(node):
    rc, results = lint(node, [{"name": "typo", "cypher": "MATCH (n:`Node`) RETRN n"}])
    assert rc == 1
    assert any("RETRN" in m for m in diagnostics(results, "error"))


def test_a_semantic_error_is_reported(node):
    rc, results = lint(node, [{"name": "unbound", "cypher": "MATCH (n) RETURN m"}])
    assert rc == 1
    assert any("`m` not defined" in m for m in diagnostics(results, "error"))


def test_an_undeclared_parameter_is_reported(node):
    stmt = {"name": "param", "cypher": "UNWIND $row AS r RETURN r", "parameters": ["rows"]}
    rc, results = lint(node, [stmt])
    assert rc == 1
    assert any("$row" in m for m in diagnostics(results, "error"))


def test_unknown_names_are_warnings_not_errors(node):
    text = "MATCH (n:Company)-[:KNOWS]->(m) RETURN n.nickname, m"
    rc, results = lint(node, [{"name": "unknown", "cypher": text}])  # no schema: all unknown
    assert rc == 0 and diagnostics(results, "error") == []
    rc, results = lint(node, {"schema": lint_schema(), "statements": [{"name": "unknown", "cypher": text}]})
    assert rc == 0 and diagnostics(results, "error") == []
    assert any("Company" in m for m in diagnostics(results, "warning"))
