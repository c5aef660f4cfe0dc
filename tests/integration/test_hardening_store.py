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

import pytest

from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.embedded.lock import LOCK_FILE, LoadRunning, holder
from graph_model.store.port import LoadInfo
from graph_model.store.secret import SecretMismatch, bind_secret, check_secret, fingerprint
from tests.support.api import free_port
from tests.support.cli import CREDITKB, run
from tests.support.demo import DEMO
from tests.support.files import FIRMS, ZHANG, rid, write

PEOPLE = "身份证号,姓名,所在地区划代码\n" + "".join(
    f"{rid(f'32050519900101{i:03d}')},某{i},320505\n" for i in range(1, 6))


def env(secret: str | None) -> dict:
    out = {k: v for k, v in os.environ.items() if k != "CREDITKB_SECRET"}
    return out | ({"CREDITKB_SECRET": secret} if secret else {})


def cli(tmp_path, *args, secret="secret-a", timeout=120):
    return subprocess.run([*CREDITKB, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=env(secret))


# -- 6. the secret that hashed a store -------------------------------------------------------


def test_a_load_under_another_secret_is_refused_and_persons_are_not_doubled(tmp_path):
    store = ["--store", str(tmp_path / "s")]
    people = write(tmp_path / "a", "practitioners.csv", PEOPLE)
    assert cli(tmp_path, "load", str(people), *store).returncode == 0
    firms = write(tmp_path / "b", "enterprises.csv", FIRMS)  # a legal representative: a person
    other = cli(tmp_path, "load", str(firms), *store, secret="secret-b")
    assert other.returncode == 1
    assert "hashed with another CREDITKB_SECRET" in other.stderr
    assert fingerprint("secret-a")[:12] in other.stderr and "secret-a" not in other.stderr
    default = cli(tmp_path, "load", str(firms), *store, secret=None)  # the public demo key
    assert default.returncode == 1 and "hashed with another CREDITKB_SECRET" in default.stderr
    s = EmbeddedStore(str(tmp_path / "s"))
    try:
        assert s.count_nodes("Person") == 5 and s.count_nodes("Enterprise") == 0
    finally:
        s.close()
    again = cli(tmp_path, "load", str(firms), *store)
    assert again.returncode == 0, again.stderr
    s = EmbeddedStore(str(tmp_path / "s"))
    try:
        assert s.count_nodes("Person") == 6
    finally:
        s.close()


def test_a_server_under_another_secret_refuses_to_start(tmp_path):
    store = ["--store", str(tmp_path / "s")]
    assert cli(tmp_path, "load", str(write(tmp_path / "a", "practitioners.csv", PEOPLE)),
               *store).returncode == 0
    out = cli(tmp_path, "serve", *store, "--port", str(free_port()), secret="secret-b", timeout=60)
    assert out.returncode == 1 and "hashed with another CREDITKB_SECRET" in out.stderr


def test_the_store_keeps_the_first_fingerprint_and_forgets_it_with_everything(store):
    assert store.secret_fingerprint() is None
    check_secret(store, "anything")  # nothing recorded: nothing to refuse
    bind_secret(store, "secret-a")
    assert store.secret_fingerprint() == fingerprint("secret-a")
    assert store.record_secret_fingerprint(fingerprint("secret-b")) == fingerprint("secret-a")
    bind_secret(store, "secret-a")
    with pytest.raises(SecretMismatch):
        bind_secret(store, "secret-b")
    with pytest.raises(SecretMismatch):
        check_secret(store, "secret-b")
    with store.transaction() as tx:
        tx.delete_all()
    assert store.secret_fingerprint() is None


# -- 7. one load at a time, readers never wait -----------------------------------------------


def running_load(tmp_path):
    """A store with one committed load, and a load in progress on it held by this process
    exactly as ``load_paths`` holds one: the load lock, then an open write transaction."""
    assert run("load", str(write(tmp_path / "a", "enterprises.csv", FIRMS)), "--store",
               str(tmp_path / "s"), cwd=tmp_path, env={"CREDITKB_SECRET": "secret-a"}).returncode == 0
    store = EmbeddedStore(str(tmp_path / "s"))
    lock = store.load_lock()
    lock.__enter__()
    tx = store.transaction(LoadInfo("L-running", "x.csv", "vehicles", "2026-01-01T00:00:00+00:00"))
    tx.__enter__()

    def stop():
        stopped = RuntimeError("test over")
        tx.__exit__(RuntimeError, stopped, None)  # rolled back
        lock.__exit__(None, None, None)
        store.close()
    return stop


def test_a_second_load_is_refused_at_once_naming_the_running_one(tmp_path):
    stop = running_load(tmp_path)
    try:
        started = time.monotonic()
        out = cli(tmp_path, "load", str(write(tmp_path / "b", "vehicles.csv",
                                              "车牌号码,车辆类型,所在地区划代码\n苏E12345,客车,320505\n")),
                  "--store", str(tmp_path / "s"), timeout=30)
        took = time.monotonic() - started
        assert out.returncode == 1
        assert f"another load is running (pid {os.getpid()}, since " in out.stderr
        assert took < 10, took  # at once, not after SQLite's busy timeout
        assert holder(str(tmp_path / "s"))["pid"] == os.getpid()
        undo = cli(tmp_path, "loads", "undo", "whatever", "--store", str(tmp_path / "s"), timeout=30)
        assert undo.returncode == 1 and "another load is running" in undo.stderr
    finally:
        stop()
    assert holder(str(tmp_path / "s")) is None


def test_listing_loads_does_not_wait_for_a_running_load(tmp_path):
    stop = running_load(tmp_path)
    try:
        started = time.monotonic()
        out = cli(tmp_path, "loads", "--store", str(tmp_path / "s"), timeout=30)
        assert out.returncode == 0, out.stderr
        assert "committed" in out.stdout and "enterprises" in out.stdout
        assert time.monotonic() - started < 10
    finally:
        stop()


def test_the_lock_of_a_dead_load_does_not_block(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / LOCK_FILE).write_text(json.dumps({"pid": 999_999_999, "since": "x"}))
    out = cli(tmp_path, "load", str(write(tmp_path / "a", "enterprises.csv", FIRMS)),
              "--store", str(tmp_path / "s"))
    assert out.returncode == 0, out.stderr
    s = EmbeddedStore(str(tmp_path / "s"))
    try:
        with s.load_lock():  # free again after the load, and held by one holder at a time
            with pytest.raises(LoadRunning):
                with s.load_lock():
                    pass
    finally:
        s.close()


@pytest.mark.slow
def test_two_real_loads_one_stopped_midway(tmp_path):
    """End to end: a real loader, frozen (SIGSTOP) once it holds the store, then a second
    loader and a listing beside it."""
    data = tmp_path / "gen"
    assert run("generate", "--scale", "0.01", "--out", str(data), cwd=tmp_path).returncode == 0
    first = subprocess.Popen([*CREDITKB, "load", str(data), "--store", str(tmp_path / "s")],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env("secret-a"))
    try:
        deadline = time.monotonic() + 60
        while (holder(str(tmp_path / "s")) or {}).get("pid") != first.pid:
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
        time.sleep(1.0)  # into its first files' transactions
        first.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        second = cli(tmp_path, "load", str(data / "vehicles.csv"), "--store", str(tmp_path / "s"),
                     timeout=30)
        listing = cli(tmp_path, "loads", "--store", str(tmp_path / "s"), timeout=30)
        assert time.monotonic() - started < 20
        assert second.returncode == 1 and f"(pid {first.pid}, since " in second.stderr
        assert listing.returncode == 0, listing.stderr
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    from creditkb.synth import KINDS

    assert f"loaded {len(KINDS)} file(s)" in out  # every kind the generator writes


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


# -- 9. the demo -----------------------------------------------------------------------------


def test_demo_honours_creditkb_store_and_warns_about_the_public_key(tmp_path):
    out = subprocess.run([*CREDITKB, "demo", "--no-serve"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300,
                         env=env(None) | {"CREDITKB_STORE": str(tmp_path / "mine")})
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "mine" / "graph.sqlite3").exists()
    assert not (tmp_path / "creditkb-demo").exists()
    assert "public demo key" in out.stderr
    assert ZHANG not in out.stdout + out.stderr


def test_demo_without_a_setting_uses_its_own_store(tmp_path):
    environment = env(None)
    environment.pop("CREDITKB_STORE", None)
    out = subprocess.run([*CREDITKB, "demo", "--no-serve"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=environment)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "creditkb-demo" / "graph.sqlite3").exists()

