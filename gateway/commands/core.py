"""Core CLI commands: run, worker, init-db, simulate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

from handlers.settings import ConfigError, declared, load_settings, markdown_table


def settings_or_exit():
    """Load settings; a bad one stops start-up with one line naming the variable."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(f"konfigurasi salah: {exc}") from None


@click.command("init-db")
def init_db():
    """Create or migrate the SQLite database."""
    from data.db import migrate, open_db

    s = settings_or_exit()
    applied = migrate(open_db(s.db_path))
    click.echo(f"database {s.db_path}: {len(applied)} migration(s) applied")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--lane", type=click.Choice(["all", "ingest", "bulk"]), default="all",
              show_default=True,
              help="ingest: messages, acks, replies (+ reconciler); bulk: broadcasts; all: both "
                   "in one process, ingest first.")
def worker(burst, lane):
    """Run the RQ worker for a lane, with the reconciler (ingest, all) or a heartbeat (bulk)."""
    from gateway import embedded_redis
    from handlers.worker import run as run_worker

    s = settings_or_exit()
    embedded_redis.ensure(s)
    click.echo(f"worker ({lane}): redis {redacted(s.effective_redis_url)}, db {s.db_path}")
    run_worker(s, burst=burst, lane=lane)


@click.command("capture-writer")
def capture_writer_command():
    """The host's capture writer: the webhooks of every web process hand it their messages and
    it commits them in groups (one writer per database file; a second one exits)."""
    import logging
    import threading

    from data.capture_writer import Writer
    from data.db import migrate, open_db

    s = settings_or_exit()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    migrate(open_db(s.db_path))
    try:
        writer = Writer(s.db_path, durable=s.db_sync == "full",
                        timeout=s.capture_timeout_seconds)
    except OSError as exc:
        raise SystemExit(f"capture writer untuk {s.db_path} sudah berjalan ({exc})") from None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"capture writer: db {s.db_path} (sync {s.db_sync})")
    try:
        writer.serve(stop)
    finally:
        click.echo(f"capture writer: {writer.rows} messages in {writer.batches} commits")
        writer.close()


def redacted(url: str) -> str:
    """Never print a Redis password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--web-workers", default=2, show_default=True, type=click.IntRange(1, 32))
def run(host, port, web_workers):
    """Web server + ingest and bulk workers (+ embedded Redis) as one process tree; Ctrl-C
    stops them all."""
    from data.db import migrate, open_db
    from gateway import embedded_redis

    s = settings_or_exit()
    migrate(open_db(s.db_path))
    children: list[subprocess.Popen] = []
    env = dict(os.environ)
    if s.redis_url is None:
        redis_proc = embedded_redis.start(s.instance_dir, s.embedded_redis_socket)
        if redis_proc:
            children.append(redis_proc)
        env["REDIS_URL"] = s.effective_redis_url
    children.append(subprocess.Popen(  # before the web: its first webhooks find it
        [sys.executable, "-m", "gateway.cli", "capture-writer"], env=env))
    web = [sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf", "--bind",
           f"{host}:{port}", "--workers", str(web_workers), "--access-logfile", "-",
           "gateway:create_app()"]
    children.append(subprocess.Popen(web, env=env))
    for lane in ("ingest", "bulk"):  # two lanes: a broadcast never delays a citizen's ack
        children.append(subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "worker", "--lane", lane], env=env))
    base = f"http://{host}:{port}"
    click.echo(f"Aspirasi berjalan di {base}\n  inbox staf : {base}/inbox\n"
               f"  webhook    : {base}/webhooks/twilio\n  status     : {base}/healthz\n"
               "Tekan Ctrl-C untuk berhenti.")
    supervise(children)


def supervise(children: list[subprocess.Popen]) -> None:
    """Wait until a signal or a child dies, then stop every child (workers before Redis)."""
    stopping = {"flag": False}

    def stop(signum, frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping["flag"] and all(c.poll() is None for c in children):
        time.sleep(0.2)
    for child in reversed(children):
        if child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    click.echo("Aspirasi berhenti.")
    codes = [c.returncode for c in children]
    if not stopping["flag"]:
        raise SystemExit(f"a process stopped unexpectedly (exit codes {codes})")


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's settings table.")
def settings_command(markdown):
    """List every setting (variable, default, meaning); values come from the environment."""
    if markdown:
        click.echo(markdown_table())
        return
    for item in declared():
        meta = item.metadata
        click.echo(f"{meta['variable']}={meta['default'] or ''}\t# {meta['help']}")


COMMANDS = [init_db, worker, capture_writer_command, run, settings_command]
