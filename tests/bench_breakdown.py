# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Where the room in flight of a send goes, for ``setup/bench_send.py``
(``BENCH_BREAKDOWN=1``): the time of the delivery's threads (``qbo/delivery.py``)
split into waiting for the rate window (``models/qbo_rate_window.py``),
requests (QuickBooks' own time, measured by the sandbox, and the rest: the
HTTP client, the network), waiting for items to send, and the time no
delivery ran at all (between two runs of the sender); and the CPU of the
thread that runs the sender (taking chunks, recording answers, committing)
apart from that of the delivery's threads (HTTP, the rate window).

The methods are timed by wrapping them while the ``with`` block lasts; the
wrappers cost a little CPU of their own, so CPU figures of the same run are
not comparable with those of a run without them."""

import collections
import threading
import time

from odoo.addons.qb_timesheet_sync.models.qbo_rate_window import SharedRealmRateLimiter
from odoo.addons.qb_timesheet_sync.qbo.delivery import Delivery


class RoomBreakdown:
    """Seconds spent per kind while the ``with`` block lasts. ``queue_class``:
    the class of ``qbo.send.queue`` in the registry, whose ``_qbo_send_queue``
    (one run of the sender for one company, in a thread of its own) is timed
    for the CPU of the run."""

    def __init__(self, queue_class):
        self.seconds = collections.Counter()
        self._queue_class = queue_class
        self._lock = threading.Lock()
        self._restore = []
        self._workers = set()  # idents of the delivery's threads

    def __enter__(self):
        cpu = time.thread_time
        self._wrap(Delivery, "_work", "cpu_delivery", clock=cpu, marks_worker=True)
        self._wrap(self._queue_class, "_qbo_send_queue", "cpu_run", clock=cpu)
        self._wrap(Delivery, "_send", "request")
        self._wrap(SharedRealmRateLimiter, "_take_turn", "rate_window")
        self._wrap(SharedRealmRateLimiter, "_give_back", "rate_window")
        self._wrap(threading.Condition, "wait", "waiting_for_items", workers_only=True)
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    def _wrap(
        self, owner, name, kind, clock=time.monotonic, workers_only=False, marks_worker=False
    ):
        """Add to ``kind`` the time ``owner.name`` takes, on ``clock`` (the
        wall, or the calling thread's CPU); ``workers_only``: in the
        delivery's threads only (``marks_worker``: the method that runs them)."""
        original = getattr(owner, name)
        breakdown = self

        def timed(*args, **kwargs):
            if marks_worker:
                breakdown._workers.add(threading.get_ident())
            elif workers_only and threading.get_ident() not in breakdown._workers:
                return original(*args, **kwargs)
            started = clock()
            try:
                return original(*args, **kwargs)
            finally:
                with breakdown._lock:
                    breakdown.seconds[kind] += clock() - started

        setattr(owner, name, timed)
        self._restore.append((owner, name, original))

    def cpu_report(self, lines):
        """A line of text: the CPU per line of the sender's runs and of the
        delivery's threads."""
        return (
            f"CPU per line: {self.seconds['cpu_run'] * 1000 / lines:.2f} ms in the thread that"
            f" takes chunks and records answers, {self.seconds['cpu_delivery'] * 1000 / lines:.2f}"
            " ms in the delivery's threads (HTTP, rate window)"
        )

    def report(self, wall, in_flight, busy):
        """Lines of text: the share of the room (``in_flight`` places for
        ``wall`` seconds) that each kind took; ``busy``: the seconds the
        sandbox spent answering (its ``busy_seconds``)."""
        room = wall * in_flight
        # A request's time includes its turns in the rate window.
        requests = self.seconds["request"] - self.seconds["rate_window"]
        shares = [
            ("QuickBooks answering (the sandbox's own time)", busy),
            ("the rest of each request (HTTP client, network)", requests - busy),
            ("the rate window's transactions and waits", self.seconds["rate_window"]),
            ("threads waiting for lines to send", self.seconds["waiting_for_items"]),
        ]
        shares.append(
            (
                "no request running otherwise (between runs, ramp-up)",
                room - sum(seconds for _kind, seconds in shares),
            )
        )
        return [f"  {seconds / room:6.1%}  {kind}" for kind, seconds in shares]
