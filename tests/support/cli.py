"""The ``creditkb`` command as its tests run it: a real process, with the environment the
test gives, and its server waited for on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

CREDITKB = [sys.executable, "-m", "creditkb.cli"]


def run(*args, cwd, env=None, timeout=120):
    return subprocess.run([*CREDITKB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def wait_for_health(proc, port, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "server did not come up"
        time.sleep(0.2)
