"""Issue 11, the store's and the CLI's half: the secret a store was hashed with, one load
at a time with readers never waiting, disk-full and I/O errors told by their cause, and
``creditkb demo`` honouring ``CREDITKB_STORE``.  Real stores on disk, the real
``creditkb`` command in subprocesses, a real full file system where this machine lets a
test mount one."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from creditkb.stores.embedded import EmbeddedStore
from creditkb.stores.port import LoadInfo
from test_cli import CREDITKB, free_port, run
from test_hardening_loads import FIRMS, ZHANG, rid, write

DEMO = Path(__file__).resolve().parents[1] / "creditkb" / "demo"
PEOPLE = "身份证号,姓名,所在地区划代码\n" + "".join(
    f"{rid(f'32050519900101{i:03d}')},某{i},320505\n" for i in range(1, 6))


def env(secret: str | None) -> dict:
    out = {k: v for k, v in os.environ.items() if k != "CREDITKB_SECRET"}
    return out | ({"CREDITKB_SECRET": secret} if secret else {})


def cli(tmp_path, *args, secret="secret-a", timeout=120):
    return subprocess.run([*CREDITKB, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=env(secret))


# -- 8. disk full and I/O errors -------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, mounted for the test (needs root, as on the CI machine)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the RLIMIT_FSIZE test still runs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_named_as_the_cause(tmp_path, small_disk):
    out = cli(tmp_path, "load", str(DEMO), "--store", str(small_disk / "s"))
    assert out.returncode == 1
    assert "the disk is full" in out.stderr and "cannot rollback" not in out.stderr
    assert "unexpected" not in out.stderr


def test_an_io_error_is_named_with_the_file_size_limit(tmp_path):
    """A write refused by the kernel (EFBIG past RLIMIT_FSIZE; Python ignores SIGXFSZ)
    is a real I/O error to SQLite."""
    limit = 600_000

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run([*CREDITKB, "load", str(DEMO), "--store", str(tmp_path / "s")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env=env("secret-a"), preexec_fn=small_files)
    assert out.returncode == 1, out.stdout
    assert "disk I/O error" in out.stderr and f"larger than {limit:,} bytes" in out.stderr
    assert "cannot rollback" not in out.stderr and "unexpected" not in out.stderr
    # What was committed before the failure is intact.
    s = EmbeddedStore(str(tmp_path / "s"))
    try:
        assert s.integrity_check() == "ok"
        assert all(x.status == "committed" for x in s.loads())
    finally:
        s.close()
