"""QuickBooks' Preferences kept a few minutes per process (a metered read saved)."""

from qb_timesheet_sync.qbo.preferences_cache import PreferencesCache


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_kept_for_the_ttl_then_read_again():
    clock = FakeClock()
    cache = PreferencesCache(ttl=300, clock=clock)
    assert cache.get("1") is None
    cache.put("1", {"AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"}})
    clock.now += 299
    assert cache.get("1") == {"AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"}}
    clock.now += 1
    assert cache.get("1") is None


def test_each_company_has_its_own_and_clear_forgets_them():
    cache = PreferencesCache(ttl=300, clock=FakeClock())
    cache.put("1", {"Id": "1"})
    cache.put("2", {"Id": "2"})
    assert (cache.get("1"), cache.get("2")) == ({"Id": "1"}, {"Id": "2"})
    cache.clear()
    assert cache.get("1") is None and cache.get("2") is None


def test_a_caller_changing_what_it_got_changes_nothing_kept():
    cache = PreferencesCache(ttl=300, clock=FakeClock())
    preferences = {"AccountingInfoPrefs": {"BookCloseDate": None}}
    cache.put("1", preferences)
    preferences["AccountingInfoPrefs"]["BookCloseDate"] = "2026-01-31"
    got = cache.get("1")
    got["AccountingInfoPrefs"]["TrackDepartments"] = True
    assert cache.get("1") == {"AccountingInfoPrefs": {"BookCloseDate": None}}
