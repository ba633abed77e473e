"""Lanes: acks and staff replies never wait for broadcast rows; broadcasts go in slices that
queue themselves again; one send rate per sender for every process; heartbeats per lane."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from data import outbox
from data.db import transaction
from handlers import fanout, outbound, queue, ratelimit
from tests.test_broadcast_delivery import confirmed_broadcast
from tests.test_broadcast_sms import GIRIAN, seed


def test_the_ingest_lane_never_claims_a_broadcast_row(db, settings, twilio_stub):
    seed(db, GIRIAN, 30, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    fanout.start(db, broadcast_id)
    with transaction(db):
        outbox.add(db, "reply:1:0", "ack", "sms", "+6281299990000", "Aspirasi diterima.")
    assert outbound.drain(settings) == 1
    assert [c["To"] for c in twilio_stub.creates()] == ["+6281299990000"]
    assert outbox.count_due(db) == 0 and outbox.due_broadcasts(db) == [broadcast_id]


def test_a_slice_ends_on_time_and_queues_the_next(monkeypatch, env, db, redis_conn,
                                                  run_worker, twilio_stub):
    monkeypatch.setenv("ASPIRASI_SEND_RATE", "20")
    monkeypatch.setenv("ASPIRASI_SLICE_SECONDS", "0.3")
    numbers = seed(db, GIRIAN, 25, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    assert fanout.fan_out(broadcast_id) < 25  # one slice: not the whole broadcast
    bulk = queue.queue(redis_conn, queue.BULK_QUEUE_NAME)
    assert bulk.count == 1 and queue.queue(redis_conn).count == 0  # the next slice, in bulk
    run_worker(30)
    assert sorted(c["To"] for c in twilio_stub.creates()) == numbers


def test_the_all_lane_takes_ingest_work_before_the_next_slice(monkeypatch, env, db, redis_conn,
                                                              signed_post, settings,
                                                              twilio_stub):
    """One worker for both lanes: an ack captured during a broadcast goes out before the
    broadcast's next slice."""
    monkeypatch.setenv("ASPIRASI_SEND_RATE", "40")
    monkeypatch.setenv("ASPIRASI_SLICE_SECONDS", "0.2")
    seed(db, GIRIAN, 40, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    fanout.fan_out(broadcast_id)
    first_slice = len(twilio_stub.creates())
    signed_post("/webhooks/twilio", {"MessageSid": "SM" + "a" * 32, "From": "+6281299990001",
                                     "Body": "jalan rusak"})
    with queue.burst_mode():
        queue.work(queue.connect(settings.effective_redis_url), burst=True, lane="all")
    tos = [c["To"] for c in twilio_stub.creates()]
    assert len(tos) == 41
    assert tos.index("+6281299990001") == first_slice  # right after the slice it interrupted


def test_a_citizen_takes_the_reserved_token_a_broadcast_leaves(redis_conn, redis_url):
    key = ratelimit.bucket_key("twilio", "+15005550006")
    bulk_need = 1 + ratelimit.RESERVE
    assert ratelimit._take(redis_url, key, 1.0, bulk_need, False) == 0  # full: bulk goes
    assert ratelimit._take(redis_url, key, 1.0, bulk_need, False) > 0   # then waits, unbooked
    assert ratelimit._take(redis_url, key, 1.0, 1, True) == 0           # the citizen does not
    assert ratelimit._take(redis_url, key, 1.0, 1, True) > 0            # a second one books


def test_the_rate_holds_across_two_bulk_processes(tmp_path, db, redis_conn, twilio_stub):
    """Two bulk workers, one sender number at 10/s: after each process's first request (which
    also builds its twilio client), 18 messages need at least (18 - 2 at once) / 10 = 1.6 s
    of tokens; 0.3 s is left for requests held up on a busy machine (a lower bound: without
    the shared bucket they take a few hundredths of a second)."""
    seed(db, GIRIAN, 20, 1)
    broadcast_id = confirmed_broadcast(db, {"kelurahan": [GIRIAN]})
    env = dict(os.environ, ASPIRASI_SEND_RATE="10", ASPIRASI_SLICE_SECONDS="0.5")
    procs = [subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker", "--lane", "bulk",
                               "--burst"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(2)]
    queue.wake(redis_conn, "broadcast", broadcast_id)
    fanout.start(db, broadcast_id)
    queue.queue(redis_conn, queue.BULK_QUEUE_NAME).enqueue(  # a second job: both work at once
        queue.JOBS["broadcast"].func, broadcast_id, result_ttl=0)
    deadline = time.monotonic() + 60
    while len(twilio_stub.messages) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    for proc in procs:
        proc.wait(timeout=60)
    stamps = sorted(r["at"] for r in twilio_stub.requests if r["method"] == "POST")
    assert len(stamps) == 20 == len({m["to"] for m in twilio_stub.messages})
    # a lower bound with 0.5 s of slack for the stamps' own jitter (it missed by ~3 % under a
    # full `make test`); two unlimited processes would send the 18 in well under 0.5 s
    assert stamps[-1] - stamps[2] >= (18 - ratelimit.CAPACITY) / 10 - 0.5


def test_heartbeats_per_lane(redis_conn, settings):
    from handlers.worker import tick

    tick(settings, "bulk")
    ages = queue.heartbeat_ages(redis_conn)
    assert set(ages) == {"bulk"} and ages["bulk"] < 5
    tick(settings, "all")
    assert set(queue.heartbeat_ages(redis_conn)) == {"ingest", "bulk"}


def test_a_drain_with_nothing_to_do_gives_way_to_the_next_job_at_once():
    """An idle drain lingers (a message may still come) unless another job of the lane
    waits: then the ack it would delay goes first."""
    takes, asked = [], []
    found = queue.drain(lambda: takes.append(1) or [], print, linger=30,
                        yield_to=lambda: asked.append(1) or True)
    assert (found, len(takes), len(asked)) == (0, 1, 1)
