"""A real Neo4j for the bench: ``tools/neo4j-server`` started and stopped from Python.

    with neo4j_server(heap="4g", pagecache="2g") as server:
        server.uri, server.password, server.max_rss_mib()
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

RUN = Path(__file__).resolve().parent.parent / "tools" / "neo4j-server" / "run"


@dataclass
class Neo4jServer:
    uri: str
    password: str
    process: subprocess.Popen
    started_s: float  # from the start of the JVM to Bolt accepting connections

    def max_rss_mib(self) -> float:
        """The server's peak resident memory so far (heap, page cache and the rest)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


@contextmanager
def neo4j_server(heap: str = "2g", pagecache: str = "1g",
                 timeout_s: float = 600) -> Iterator[Neo4jServer]:
    """Build (when changed) and start the server; stop it when the block ends."""
    subprocess.run([str(RUN), "--build-only"], check=True)
    password = secrets.token_hex(12)
    env = {**os.environ, "NEO4J_PASSWORD": password, "NEO4J_SERVER_HEAP": heap}
    started = time.monotonic()
    proc = subprocess.Popen([str(RUN), "--exit-with-parent", f"server.memory.pagecache.size={pagecache}",
                             # one load is one transaction: let it use the heap it has
                             "db.memory.transaction.total.max=0", "dbms.memory.transaction.total.max=0"],
                            stdout=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline().strip()  # the first line, once Bolt accepts connections
        if not line.startswith("bolt://"):
            raise SystemExit(f"tools/neo4j-server did not start (exit code {proc.wait(timeout_s)})")
        yield Neo4jServer(line, password, proc, time.monotonic() - started)
    finally:
        proc.terminate()
        proc.wait(120)
