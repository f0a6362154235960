from datetime import date

from qb_timesheet_sync.qbo.timesheet_rules import preferences_facts


def test_time_tracking_and_closing_date_are_read_from_preferences():
    preferences = {
        "OtherPrefs": {"NameValue": [{"Name": "TimeTrackingFeatureEnabled", "Value": "false"}]},
        "AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"},
    }
    assert preferences_facts(preferences) == (False, date(2026, 1, 31))


def test_enabled_time_tracking_and_open_books():
    preferences = {
        "OtherPrefs": {"NameValue": [{"Name": "TimeTrackingFeatureEnabled", "Value": "true"}]},
        "AccountingInfoPrefs": {},
    }
    assert preferences_facts(preferences) == (True, None)


def test_what_quickbooks_does_not_say_stays_unknown():
    assert preferences_facts({}) == (None, None)
