# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Plain-Python client of QuickBooks Online (no Odoo import here): OAuth,
the Accounting API, rate limiting and errors a user can act on."""

from .batch import BatchItem, BatchResult
from .client import QboClient
from .environments import (
    INTUIT_SANDBOX,
    PRODUCTION,
    QboEnvironment,
    get_environment,
    local_environment,
)
from .errors import (
    QboAuthError,
    QboBusy,
    QboClosedPeriod,
    QboConnectionError,
    QboDuplicateName,
    QboError,
    QboFeatureUnavailable,
    QboNotFound,
    QboServerUnavailable,
    QboStaleObject,
    QboSubscriptionEnded,
    QboThrottled,
    QboTimeout,
    QboValidationError,
    error_from_response,
)
from .oauth import ACCOUNTING_SCOPE, OAuthClient, TokenSet
from .ratelimit import RealmRateLimiter, forget_limiters, limiter_for

__all__ = [
    "ACCOUNTING_SCOPE",
    "INTUIT_SANDBOX",
    "PRODUCTION",
    "BatchItem",
    "BatchResult",
    "OAuthClient",
    "QboAuthError",
    "QboBusy",
    "QboClient",
    "QboClosedPeriod",
    "QboConnectionError",
    "QboDuplicateName",
    "QboEnvironment",
    "QboError",
    "QboFeatureUnavailable",
    "QboNotFound",
    "QboServerUnavailable",
    "QboStaleObject",
    "QboSubscriptionEnded",
    "QboThrottled",
    "QboTimeout",
    "QboValidationError",
    "RealmRateLimiter",
    "TokenSet",
    "error_from_response",
    "forget_limiters",
    "get_environment",
    "limiter_for",
    "local_environment",
]
