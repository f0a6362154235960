# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""QuickBooks' Preferences of each company, kept a few minutes per process.

Every send reads them (closing date, time tracking, class and location
tracking), and reading them is a metered (CorePlus) call: each run of the
background sender read them again, 1.4 to 2.8 metered calls per 1,000 lines
(docs/ASSUMPTIONS.md#metering). Kept for :data:`PREFERENCES_TTL`, a process reads them once
every few minutes however many runs it makes. A preview reads them afresh,
so what a manager checks is current. A closing date set in QuickBooks
meanwhile is still enforced by QuickBooks, which refuses the line (6200 or
6210) with its own sentence.
"""

import copy
import threading
import time

PREFERENCES_TTL = 300.0  # seconds


class PreferencesCache:
    """{realm id: (time read, Preferences)}, safe across threads."""

    def __init__(self, ttl=PREFERENCES_TTL, clock=time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, realm_id):
        """The Preferences of ``realm_id`` read less than ``ttl`` ago, or None."""
        with self._lock:
            entry = self._entries.get(realm_id)
        if entry is None or self._clock() - entry[0] >= self.ttl:
            return None
        return copy.deepcopy(entry[1])

    def put(self, realm_id, preferences):
        with self._lock:
            self._entries[realm_id] = (self._clock(), copy.deepcopy(preferences))

    def clear(self):
        with self._lock:
            self._entries.clear()


PREFERENCES = PreferencesCache()
