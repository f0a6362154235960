"""The sandbox's in-memory store: companies (realms), their records, OAuth grants, stats.

``SandboxState`` is what ``SandboxServer.state`` exposes for white-box assertions:

- ``state.realms[realm_id]`` is a ``Realm``; ``realm.records[entity][id]`` is the stored
  QBO JSON of a record (deleted time activities stay, marked ``"status": "Deleted"``);
  ``realm.settings`` holds the company switches (see ``SETTINGS_KEYS``);
- ``state.records(realm_id, entity)`` lists copies of the records of one entity;
- ``state.grants``, ``state.access_tokens``, ``state.refresh_tokens``, ``state.auth_codes``
  hold the OAuth data (see ``oauth.py``);
- ``state.stats`` holds the counters served by ``GET /_sandbox/stats`` (which adds
  ``max_concurrent_seen`` from the rate limiter).

Hold ``state.lock`` while reading or changing anything.
"""

import collections
import copy
import datetime
import threading

from . import entities, payroll

DEFAULT_SETTINGS = {
    "CompanyName": "Sandbox Company",
    "OfferingSku": "QuickBooks Online Plus",
    "PayrollFeature": False,
    # None means "follow the plan": every plan but Simple Start has time tracking.
    "TimeTrackingFeatureEnabled": None,
    "SubscriptionStatus": "SUBSCRIBED",
    "BookCloseDate": None,
    # Categories (Preferences.AccountingInfoPrefs, Preferences reference): classes assigned per
    # transaction or per line, and locations (Department).
    "ClassTrackingPerTxn": False,
    "ClassTrackingPerTxnLine": False,
    "TrackDepartments": False,
    # Preferences.OtherPrefs ProjectsEnabled: the company uses QuickBooks projects.
    "ProjectsEnabled": True,
}
SETTINGS_KEYS = tuple(DEFAULT_SETTINGS)
SUBSCRIPTION_STATUSES = (
    "TRIAL",
    "SUBSCRIBED",
    "TRIALOPTIN",
    "RESTRICTED",
    "SUSPENDED",
    "EXPIRED",
    "CANCELLED",
    "UNKNOWN",
    "PAID",
)
# RESTRICTED companies keep write access for about a week (Intuit's CompanyInfo reference).
WRITE_BLOCKING_STATUSES = ("CANCELLED", "EXPIRED", "SUSPENDED")
PLANS_WITHOUT_TIME_TRACKING = ("QuickBooks Online Simple Start",)
DEFAULT_UTC_OFFSET = "-07:00"
# Changes kept for the webhook dispatcher when nothing drains them.
MAX_PENDING_CHANGES = 100000
# QuickBooks does not number every list from one small counter: projects and
# classes carry large ids. Intuit's sample SampleApp-EmployeeCompensation-DotNet
# (README.md) shows projects 647540715 and 647933362 beside customer "8"; Intuit's
# API collection reads class 5000000000000018727 (a number past 2**53, so it
# cannot be held in a float, nor in 32 or 53 bits). Each such series has its own
# counter starting there; every other record takes the next small id.
ID_SERIES_START = {"Project": 647540715, "Class": 5000000000000018727}


def new_stats():
    return {
        "token_grants": {"authorization_code": 0, "refresh_token": 0},
        "token_errors": 0,
        "revokes": 0,
        "throttled": 0,
        "injected_faults": {"500": 0, "503": 0, "drop": 0, "slow": 0},
        "requestid_replays": 0,
        "requests": {},
        # Calls as Intuit's App Partner Program meters them (api.metered_class),
        # in total and per realm.
        "metered": {"Core": 0, "CorePlus": 0, "realms": {}},
        "creates": {},
        "updates": {},
        "deletes": {},
        # Changes made through the admin API as a QuickBooks user (admin_actions.py).
        "admin_actions": {},
        # Webhook notifications (webhooks.py): POSTs answered 2xx, POSTs that
        # failed (to be retried), events delivered, destinations refused.
        "webhooks": {"delivered": 0, "failed": 0, "events": 0, "refused": 0, "dropped": 0},
    }


def _parse_utc_offset(text):
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return datetime.timezone(sign * datetime.timedelta(hours=int(hours), minutes=int(minutes)))


def check_settings(changes):
    """Validate company settings; raise ``ValueError`` with a readable message."""
    unknown = sorted(set(changes) - set(SETTINGS_KEYS))
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(unknown)}")
    close_date = changes.get("BookCloseDate")
    if close_date is not None:
        datetime.date.fromisoformat(close_date)
    for key in (
        "PayrollFeature",
        "TimeTrackingFeatureEnabled",
        "ClassTrackingPerTxn",
        "ClassTrackingPerTxnLine",
        "TrackDepartments",
        "ProjectsEnabled",
    ):
        value = changes.get(key)
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
    status = changes.get("SubscriptionStatus")
    if status is not None and status not in SUBSCRIPTION_STATUSES:
        raise ValueError(f"SubscriptionStatus must be one of {', '.join(SUBSCRIPTION_STATUSES)}")
    for key in ("CompanyName", "OfferingSku"):
        if key in changes and not (isinstance(changes[key], str) and changes[key].strip()):
            raise ValueError(f"{key} must be a non-empty string")


class Realm:
    """One QuickBooks company."""

    def __init__(self, realm_id, settings=None, utc_offset=DEFAULT_UTC_OFFSET):
        self.realm_id = str(realm_id)
        self.settings = dict(DEFAULT_SETTINGS)
        self.utc_offset = utc_offset
        self.tz = _parse_utc_offset(utc_offset)
        self.records = {entity: {} for entity in entities.ENTITIES}
        self.next_id = 1
        self.next_series_ids = dict(ID_SERIES_START)
        # requestid -> the first response: {"status", "content_type", "body"}.
        self.request_log = {}
        # What changed (entity, Id, operation, LastUpdatedTime, UTC time), for webhooks;
        # drained by the webhook dispatcher, never persisted.
        self.changes = collections.deque(maxlen=MAX_PENDING_CHANGES)
        # Pay types and who has them (see payroll.py).
        self.payroll = payroll.empty()
        self.created = self.meta_time()
        if settings:
            self.apply_settings(settings)

    # Clock and ids

    def now(self):
        return datetime.datetime.now(self.tz)

    def today(self):
        return self.now().date()

    def meta_time(self):
        """MetaData timestamps: company offset, no milliseconds (as in Intuit's samples)."""
        return self.now().isoformat(timespec="seconds")

    def envelope_time(self):
        """The ``time`` of response envelopes: milliseconds and offset."""
        return self.now().isoformat(timespec="milliseconds")

    def allocate_id(self, requested=None, series=None):
        """A new record id: a numeric string, from the counter of ``series`` (one of
        ``ID_SERIES_START``: large numbers, as QuickBooks gives projects and classes)
        or from the company's small counter. A ``requested`` id (seeds) is taken as
        it is and moves that counter past it. Never an id some record already has."""
        if requested is not None:
            record_id = str(requested)
            if record_id.isdigit():
                self._move_counter(series, int(record_id) + 1)
            return record_id
        while True:
            number = self.next_series_ids[series] if series else self.next_id
            self._move_counter(series, number + 1)
            record_id = str(number)
            if not any(record_id in records for records in self.records.values()):
                return record_id

    def _move_counter(self, series, at_least):
        if series:
            self.next_series_ids[series] = max(self.next_series_ids[series], at_least)
        else:
            self.next_id = max(self.next_id, at_least)

    def note_change(self, entity, record_id, operation, last_updated):
        """Remember a create, update or delete for the webhooks (see webhooks.py)."""
        occurred = datetime.datetime.now(datetime.UTC)
        self.changes.append((entity, str(record_id), operation, last_updated, occurred))

    # Company switches

    @property
    def company_name(self):
        return self.settings["CompanyName"]

    def apply_settings(self, changes):
        check_settings(changes)
        self.settings.update(changes)

    def payroll_enabled(self):
        return bool(self.settings["PayrollFeature"])

    def class_tracking(self):
        return bool(
            self.settings["ClassTrackingPerTxn"] or self.settings["ClassTrackingPerTxnLine"]
        )

    def time_tracking_enabled(self):
        explicit = self.settings["TimeTrackingFeatureEnabled"]
        if explicit is not None:
            return explicit
        return self.settings["OfferingSku"] not in PLANS_WITHOUT_TIME_TRACKING

    def subscription_blocks_writes(self):
        return self.settings["SubscriptionStatus"] in WRITE_BLOCKING_STATUSES

    # Read-only documents

    def company_info(self):
        name_values = {
            "NeoEnabled": "true",
            "IndustryType": "Professional services",
            "CompanyType": "Other",
            "OfferingSku": self.settings["OfferingSku"],
            "SubscriptionStatus": self.settings["SubscriptionStatus"],
            "PayrollFeature": "true" if self.payroll_enabled() else "false",
            "AccountantFeature": "false",
            "ItemCategoriesFeature": "true",
            "IsQbdtMigrated": "false",
        }
        return {
            "CompanyName": self.company_name,
            "LegalName": self.company_name,
            "CompanyAddr": {
                "Line1": "1 Sandbox Way",
                "City": "Mountain View",
                "CountrySubDivisionCode": "CA",
                "PostalCode": "94043",
                "Country": "US",
            },
            "Country": "US",
            "Email": {"Address": "noreply@sandbox.invalid"},
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en",
            "CompanyStartDate": self.created[:10],
            "NameValue": [{"Name": key, "Value": value} for key, value in name_values.items()],
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": self.created, "LastUpdatedTime": self.created},
        }

    def preferences(self):
        accounting = {
            "TrackDepartments": bool(self.settings["TrackDepartments"]),
            "ClassTrackingPerTxn": bool(self.settings["ClassTrackingPerTxn"]),
            "ClassTrackingPerTxnLine": bool(self.settings["ClassTrackingPerTxnLine"]),
            "CustomerTerminology": "Customers",
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": False,
        }
        if self.settings["BookCloseDate"]:
            accounting["BookCloseDate"] = self.settings["BookCloseDate"]
        other = {
            "TimeTrackingFeatureEnabled": "true" if self.time_tracking_enabled() else "false",
            "ProjectsEnabled": "true" if self.settings["ProjectsEnabled"] else "false",
            "Vendor1099Enabled": "true",
            "DateFormat": "Month Date Year separated by a slash",
            "NumberFormat": "US Number Format",
        }
        return {
            "AccountingInfoPrefs": accounting,
            "TimeTrackingPrefs": {
                "UseServices": True,
                "BillCustomers": True,
                "ShowBillRateToAll": False,
                "WorkWeekStartDate": "Monday",
                "MarkTimeEntriesBillable": True,
            },
            "CurrencyPrefs": {"HomeCurrency": {"value": "USD"}, "MultiCurrencyEnabled": False},
            "OtherPrefs": {
                "NameValue": [{"Name": key, "Value": value} for key, value in other.items()]
            },
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": self.created, "LastUpdatedTime": self.created},
        }

    # Persistence

    def to_dict(self):
        return {
            "realm_id": self.realm_id,
            "settings": self.settings,
            "utc_offset": self.utc_offset,
            "records": self.records,
            "next_id": self.next_id,
            "next_series_ids": self.next_series_ids,
            "request_log": self.request_log,
            "created": self.created,
            "payroll": self.payroll,
        }

    @classmethod
    def from_dict(cls, data):
        realm = cls(data["realm_id"], utc_offset=data["utc_offset"])
        realm.settings.update(data["settings"])
        realm.records.update(data["records"])
        realm.next_id = data["next_id"]
        # State files written before the series existed have none: start them afresh.
        realm.next_series_ids.update(data.get("next_series_ids") or {})
        realm.request_log = data["request_log"]
        realm.created = data["created"]
        realm.payroll = data.get("payroll") or payroll.empty()
        return realm


class SandboxState:
    """Everything the sandbox remembers; see the module docstring."""

    def __init__(self):
        self.lock = threading.RLock()
        # Only ever grows, so a save after a reset is never skipped.
        self.revision = 0
        self.clear()

    def clear(self):
        with self.lock:
            self.realms = {}
            self.auth_codes = {}
            self.consents = {}
            self.grants = {}
            self.access_tokens = {}
            self.refresh_tokens = {}
            self.stats = new_stats()
            self.changed()

    def changed(self):
        """Note a change worth persisting."""
        self.revision += 1

    def count(self, counter, key=None, amount=1):
        with self.lock:
            if key is None:
                self.stats[counter] += amount
            else:
                bucket = self.stats[counter]
                bucket[key] = bucket.get(key, 0) + amount

    def count_metered(self, realm_id, metered_class):
        with self.lock:
            metered = self.stats["metered"]
            metered[metered_class] += 1
            per_realm = metered["realms"].setdefault(str(realm_id), {"Core": 0, "CorePlus": 0})
            per_realm[metered_class] += 1

    def realm(self, realm_id):
        return self.realms.get(str(realm_id))

    def records(self, realm_id, entity):
        """Copies of every record of ``entity``, inactive and deleted ones included."""
        with self.lock:
            return copy.deepcopy(list(self.realms[str(realm_id)].records[entity].values()))

    # Seeds

    def load_seed(self, seed):
        """Add the realms and records of a seed dict (format in README.md)."""
        with self.lock:
            for realm_seed in seed.get("realms", []):
                self._load_realm_seed(realm_seed)
            self.changed()

    def _load_realm_seed(self, realm_seed):
        known = {
            "realm_id",
            "company_name",
            "settings",
            "utc_offset",
            "PayrollCompensation",
            *entities.ENTITIES,
        }
        unknown = sorted(set(realm_seed) - known)
        if unknown:
            raise ValueError(f"unknown keys in realm seed: {', '.join(unknown)}")
        realm_id = str(realm_seed["realm_id"])
        settings = dict(realm_seed.get("settings") or {})
        if "company_name" in realm_seed:
            settings["CompanyName"] = realm_seed["company_name"]
        realm = self.realms.get(realm_id)
        if realm is None:
            realm = Realm(realm_id, utc_offset=realm_seed.get("utc_offset", DEFAULT_UTC_OFFSET))
            self.realms[realm_id] = realm
        realm.apply_settings(settings)
        for entity in ("Employee", "Vendor", "Item", *entities.CATEGORY_ENTITIES):
            for record in realm_seed.get(entity, []):
                entities.create(realm, entity, record, entities.WriteContext(seeding=True))
        payroll.load_seed(realm, realm_seed.get("PayrollCompensation", []))
        for record in realm_seed.get("Customer", []):
            self._load_customer_seed(realm, record, None)
        for record in realm_seed.get("TimeActivity", []):
            entities.create(realm, "TimeActivity", record, entities.WriteContext(seeding=True))

    def _load_customer_seed(self, realm, record, parent_id):
        record = dict(record)
        children = record.pop("children", [])
        if parent_id is not None:
            record["ParentRef"] = {"value": parent_id}
            record["Job"] = True
        customer = entities.create(realm, "Customer", record, entities.WriteContext(seeding=True))
        for child in children:
            self._load_customer_seed(realm, child, customer["Id"])

    # Persistence

    def to_dict(self):
        with self.lock:
            return copy.deepcopy(
                {
                    "realms": [realm.to_dict() for realm in self.realms.values()],
                    "oauth": {
                        "auth_codes": self.auth_codes,
                        "grants": self.grants,
                        "access_tokens": self.access_tokens,
                        "refresh_tokens": self.refresh_tokens,
                    },
                }
            )

    def load_dict(self, data):
        with self.lock:
            self.clear()
            for realm_data in data["realms"]:
                realm = Realm.from_dict(realm_data)
                self.realms[realm.realm_id] = realm
            oauth = data["oauth"]
            self.auth_codes = oauth["auth_codes"]
            self.grants = oauth["grants"]
            self.access_tokens = oauth["access_tokens"]
            self.refresh_tokens = oauth["refresh_tokens"]
