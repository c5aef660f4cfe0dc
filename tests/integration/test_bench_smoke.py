"""The benches a maintainer measures the issues' targets with run end to end, on a tiny data
set: each phase in its own process, as at scale.  Their figures are not asserted (timing
belongs to bench/, not to tests); that every phase ran and reported them is.  (A raw-SQL
change to a phase once failed it at its first subject, unseen by every other test.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench(module: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_the_whole_bench_runs_every_phase(tmp_path):
    out = _bench("bench.run", "--scale", "0.0005", "--work", str(tmp_path), "--queries", "5",
                 "--no-disk-check")
    for figure in ("load:", "tracing: related depth 2, 95th pct", "tracing: paths depth 4, 95th pct"):
        assert figure in out, figure


@pytest.mark.slow
def test_the_scoring_bench_runs_every_phase(tmp_path):
    out = _bench("bench.scoring", "--scale", "0.0005", "--point-entries", "2000",
                 "--work", str(tmp_path), "--queries", "5", "--write")
    for code in ("zj_inland_vessel", "gx_lock_points", "sc_portrait"):
        assert f"score {code}, 95th pct" in out, code  # score_single
        assert f"run {code} " in out and "written (creditkb score run)" in out, code  # runs
    assert "score, all schemes, 95th pct" in out
