"""One capture writer per host: the webhooks of every web process hand it their records; it
commits whatever has arrived in one transaction (one fsync) and answers each.

Why a process of its own: webhook threads that write themselves take turns for SQLite's
write lock, and the one holding it also waits for its process's GIL after every SQLite call
and after the fsync, while the other request threads of that process run. Measured with
wrk on 2 cores (bench/README.md, Webhook): batches of ~2 rows, each holding the lock ~3 ms.
The writer is single-threaded, holds the lock only to write, and its batch is everything
that arrived during the last commit, so it grows with load instead of with a thread count.

A 200 still means the row is on disk: the writer answers only after its COMMIT (with
synchronous=FULL by default). When the writer is not running or does not answer, the web
process writes the row itself (data.messages.capture), as it did before there was a writer;
when SQLite stays locked the writer answers "busy" and the webhook spools, as before.

Protocol: a Unix socket in Linux's abstract namespace named after the database file (no
file to clean up, no path-length limit); frames of a 4-byte big-endian length and JSON:
request `InboundRecord.to_dict()`, answer `{"id": n, "created": bool}` or `{"busy": "..."}`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import selectors
import socket
import struct
import threading
import time

from data.db import Busy, connect, gate

log = logging.getLogger(__name__)
HEADER = struct.Struct(">I")
MAX_FRAME = 1024 * 1024  # a webhook body is at most 64 KB; its JSON a few times that
RETRY_AFTER = 1.0  # seconds a process writes itself after the writer could not be reached


def address(db_path: str) -> str:
    """The writer's abstract socket name for this database file."""
    digest = hashlib.sha1(os.path.abspath(db_path).encode()).hexdigest()[:20]
    return f"\0aspirasi-capture-{digest}"


def _frame(data: dict) -> bytes:
    payload = json.dumps(data, ensure_ascii=False).encode()
    return HEADER.pack(len(payload)) + payload


class WriterGone(Exception):
    """The writer could not be reached (sent=False), or went away before answering (sent=True:
    the record may be stored already)."""

    def __init__(self, reason: str, sent: bool):
        super().__init__(reason)
        self.sent = sent


class Client:
    """A web process's link to the writer: one connection per thread, kept open."""

    def __init__(self, db_path: str):
        self.address = address(db_path)
        self.local = threading.local()
        self.down_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def _connection(self, timeout: float) -> socket.socket:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.connect(self.address)
            except OSError as exc:
                conn.close()
                self.down_until = time.monotonic() + RETRY_AFTER
                raise WriterGone(f"no capture writer: {exc}", sent=False) from None
            self.local.conn = conn
        conn.settimeout(timeout)
        return conn

    def _drop(self) -> None:
        conn = getattr(self.local, "conn", None)
        self.local.conn = None
        if conn is not None:
            conn.close()

    def capture(self, record_data: dict, timeout: float) -> tuple[int, bool]:
        """Send one record and wait for its answer.

        WriterGone: nothing was sent, or the writer went away (the record may or may not be
        stored: the caller writes it itself, which a MessageSid makes idempotent).
        Busy: the writer answered that SQLite stayed locked, or did not answer in time.
        """
        conn = self._connection(timeout)
        try:
            conn.sendall(_frame(record_data))
            answer = _read_frame(conn)
        except TimeoutError:
            self._drop()  # its answer may still come: never read it as the next one's
            self.down_until = time.monotonic() + RETRY_AFTER  # hung? the next ones write here
            raise Busy("the capture writer did not answer in time") from None
        except OSError as exc:
            self._drop()
            raise WriterGone(f"capture writer connection lost: {exc}", sent=True) from None
        if answer is None:
            self._drop()
            raise WriterGone("the capture writer closed the connection", sent=True)
        if "busy" in answer:
            raise Busy(answer["busy"])
        return answer["id"], answer["created"]


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = conn.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(conn: socket.socket) -> dict | None:
    header = _read_exactly(conn, HEADER.size)
    if header is None:
        return None
    payload = _read_exactly(conn, HEADER.unpack(header)[0])
    return None if payload is None else json.loads(payload)


class _Peer:
    """A connected web thread: bytes received so far."""

    __slots__ = ("sock", "buffer")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = bytearray()

    def frames(self) -> list[dict] | None:
        """Complete frames received so far; None when the peer sent garbage."""
        found = []
        while len(self.buffer) >= HEADER.size:
            size = HEADER.unpack_from(self.buffer)[0]
            if size > MAX_FRAME:
                return None
            if len(self.buffer) < HEADER.size + size:
                break
            payload = bytes(self.buffer[HEADER.size:HEADER.size + size])
            del self.buffer[:HEADER.size + size]
            try:
                found.append(json.loads(payload))
            except ValueError:
                return None
        return found


class Writer:
    """The writer's loop: accept, read what arrived, write it in one transaction, answer."""

    def __init__(self, db_path: str, durable: bool, timeout: float):
        from data.messages import InboundRecord, insert

        self.record_of, self.insert = InboundRecord.from_dict, insert
        self.db = connect(db_path, durable=durable, busy_timeout=timeout)
        self.gate = gate(db_path)
        self.timeout = timeout
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(address(db_path))  # OSError (in use): a writer already runs
        self.listener.listen(256)
        self.listener.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.batches = self.rows = 0

    def close(self) -> None:
        self.selector.close()
        self.listener.close()
        self.db.conn.close()

    def serve(self, stop: threading.Event | None = None, report_every: float = 60.0) -> None:
        reported, rows, batches = time.monotonic(), 0, 0
        while stop is None or not stop.is_set():
            self.step(0.5)
            if time.monotonic() - reported >= report_every and self.rows > rows:
                log.info("captured %d messages in %d commits (%.1f a commit)", self.rows - rows,
                         self.batches - batches, (self.rows - rows) / (self.batches - batches))
                reported, rows, batches = time.monotonic(), self.rows, self.batches

    def step(self, wait: float) -> int:
        """One round: gather every frame that has arrived, write them, answer. Returns rows."""
        pending: list[tuple[_Peer, dict]] = []
        for key, _ in self.selector.select(wait):
            if key.fileobj is self.listener:
                self._accept()
                continue
            peer = key.data
            try:
                data = peer.sock.recv(65536)
            except OSError:
                data = b""
            if not data:  # the web thread closed its end
                self._close(peer)
                continue
            peer.buffer.extend(data)
            frames = peer.frames()
            if frames is None:  # not our protocol: drop it
                self._close(peer)
                continue
            pending.extend((peer, frame) for frame in frames)
        if pending:
            self._write(pending)
        return len(pending)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(True)
            sock.settimeout(5)  # an answer is a few bytes; a peer that stops reading is dropped
            self.selector.register(sock, selectors.EVENT_READ, _Peer(sock))

    def _close(self, peer: _Peer) -> None:
        try:
            self.selector.unregister(peer.sock)
        except (KeyError, ValueError):
            pass
        peer.sock.close()

    def _write(self, pending: list[tuple[_Peer, dict]]) -> None:
        try:
            answers = self._commit([frame for _, frame in pending])
        except Busy as exc:
            answers = [{"busy": str(exc)}] * len(pending)
        for (peer, _), answer in zip(pending, answers, strict=True):
            try:
                peer.sock.sendall(_frame(answer))
            except OSError:
                self._close(peer)  # gone: it writes the row itself (idempotent)

    def _commit(self, frames: list[dict]) -> list[dict]:
        """One transaction for all (a lone record without a content window is one INSERT, its
        own transaction); should one record fail, each is retried on its own so that one bad
        record fails alone."""
        alone = len(frames) == 1 and not frames[0].get("content_window")
        try:
            with self.gate.bounded(self.db, self.timeout, atomic=not alone):
                answers = [self._insert(frame) for frame in frames]
        except Busy:
            raise
        except Exception:
            log.exception("capture batch of %d failed; writing them one by one", len(frames))
            answers = []
            for frame in frames:
                try:
                    with self.gate.bounded(self.db, self.timeout):
                        answers.append(self._insert(frame))
                except Busy:
                    raise
                except Exception as exc:  # the webhook spools it: kept, never lost
                    log.exception("capture of one record failed")
                    answers.append({"busy": f"{type(exc).__name__}: {exc}"[:200]})
        self.batches += 1
        self.rows += len(frames)
        return answers

    def _insert(self, frame: dict) -> dict:
        message_id, created = self.insert(self.db, self.record_of(frame))
        return {"id": message_id, "created": created}
