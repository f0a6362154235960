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

WORKER_PREFIX = "qbo-send"


class RoomBreakdown:
    """Seconds spent per kind while the ``with`` block lasts."""

    def __init__(self):
        self.seconds = collections.Counter()
        self._lock = threading.Lock()
        self._restore = []

    def __enter__(self):
        self._run_cpu = time.thread_time()
        self._wrap_worker_cpu()
        self._wrap(Delivery, "_send", "request")
        self._wrap(SharedRealmRateLimiter, "_take_turn", "rate_window")
        self._wrap(SharedRealmRateLimiter, "_give_back", "rate_window")
        self._wrap(threading.Condition, "wait", "waiting_for_items", workers_only=True)
        return self

    def __exit__(self, *exc):
        self.seconds["cpu_run"] = time.thread_time() - self._run_cpu
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    def _wrap(self, owner, name, kind, workers_only=False):
        original = getattr(owner, name)
        breakdown = self

        def timed(*args, **kwargs):
            if workers_only and not threading.current_thread().name.startswith(WORKER_PREFIX):
                return original(*args, **kwargs)
            started = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                with breakdown._lock:
                    breakdown.seconds[kind] += time.monotonic() - started

        setattr(owner, name, timed)
        self._restore.append((owner, name, original))

    def _wrap_worker_cpu(self):
        original = Delivery._work
        breakdown = self

        def counted(delivery):
            started = time.thread_time()
            try:
                return original(delivery)
            finally:
                with breakdown._lock:
                    breakdown.seconds["cpu_delivery"] += time.thread_time() - started

        Delivery._work = counted
        self._restore.append((Delivery, "_work", original))

    def cpu_report(self, lines):
        """A line of text: the CPU per line of the sender's thread and of the
        delivery's threads (run in this thread: ``bench_send.py`` calls the
        cron's method itself)."""
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
