"""Unit tests of error_from_response on the body shapes QuickBooks uses."""

import json

import pytest

from qb_timesheet_sync.qbo import (
    QboAuthError,
    QboClosedPeriod,
    QboDuplicateName,
    QboError,
    QboFeatureUnavailable,
    QboNotFound,
    QboServerUnavailable,
    QboStaleObject,
    QboSubscriptionEnded,
    QboThrottled,
    QboValidationError,
    error_from_response,
)

TID = {"intuit_tid": "1-628f0be4-19ed5ea63980105102b16b1e"}


def fault_body(code, message, detail, element="", fault_type="ValidationFault"):
    error = {"Message": message, "Detail": detail, "code": code, "element": element}
    return json.dumps({"Fault": {"Error": [error], "type": fault_type}, "time": "x"}).encode()


@pytest.mark.parametrize(
    ("code", "detail", "error_class", "words"),
    [
        (
            "6210",
            "The account period has closed and the account books cannot be updated "
            "through the QBO Services API.",
            QboClosedPeriod,
            "books are closed",
        ),
        ("6200", "Account Period Closed Error", QboClosedPeriod, "books are closed"),
        ("6240", "The name supplied already exists.", QboDuplicateName, "already has"),
        (
            "5010",
            "Stale Object Error : You and Ann were working on this at the same time.",
            QboStaleObject,
            "changed in QuickBooks",
        ),
        (
            "610",
            "Object Not Found : Something you're trying to use has been made inactive.",
            QboNotFound,
            "made inactive",
        ),
        (
            "610",
            "Object Not Found : Another user has deleted this transaction.",
            QboNotFound,
            "was deleted",
        ),
        (
            "2500",
            "Invalid Reference Id : Something you're trying to use has been made inactive.",
            QboNotFound,
            "made inactive",
        ),
        ("5020", "Permission Denied", QboFeatureUnavailable, "time tracking"),
        ("5030", "Feature Not Supported", QboFeatureUnavailable, "time tracking"),
        (
            "6190",
            "Subscription period has ended or canceled or there was a billing problem",
            QboSubscriptionEnded,
            "subscription",
        ),
    ],
)
def test_fault_codes_become_specific_errors(code, detail, error_class, words):
    error = error_from_response(400, fault_body(code, "msg", detail, "TxnDate"), TID)
    assert type(error) is error_class
    assert isinstance(error, QboValidationError)
    assert words in str(error)
    assert error.code == code
    assert error.detail == detail
    assert error.element == "TxnDate"
    assert error.intuit_tid == TID["intuit_tid"]
    assert error.http_status == 400


def test_other_validation_fault_keeps_quickbooks_reason():
    body = fault_body("2020", "Required Param Missing", "Required parameter Hours is missing.")
    error = error_from_response(400, body, {})
    assert type(error) is QboValidationError
    assert str(error) == "QuickBooks refused the entry: Required parameter Hours is missing."


def test_lower_case_gateway_envelope_is_an_auth_error():
    body = {
        "warnings": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": "Token expired: eyJlbmMiOiJBMTI4Q0JDLUhTMjU2",
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "time": 1730024394085,
    }
    error = error_from_response(401, json.dumps(body), {"Intuit_Tid": "abc"})
    assert type(error) is QboAuthError
    assert "reconnect in Settings" in str(error)
    assert error.code == "3200"
    assert error.intuit_tid == "abc"


def test_missing_scope_is_an_auth_error_with_its_own_message():
    body = {
        "fault": {
            "error": [
                {
                    "message": "message=AuthorizationFailed",
                    "detail": "The access token does not have sufficient scope",
                    "code": "3100",
                    "element": None,
                }
            ],
            "type": "SERVICE",
        }
    }
    error = error_from_response(403, body, {})
    assert type(error) is QboAuthError
    assert "not allowed" in str(error)


def test_xml_throttle_fault():
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2016-08-09">'
        b'<Fault type="SERVICE"><Error code="3001" element="">'
        b"<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        b"<Detail>The request limit was reached.  Try again later</Detail>"
        b"</Error></Fault></IntuitResponse>"
    )
    error = error_from_response(429, body, TID)
    assert type(error) is QboThrottled
    assert error.code == "3001"
    assert error.detail == "The request limit was reached.  Try again later"


def test_html_503_page():
    body = b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
    error = error_from_response(503, body, {"content-type": "text/html", **TID})
    assert type(error) is QboServerUnavailable
    assert error.detail == "503 Service Temporarily Unavailable"
    assert error.intuit_tid == TID["intuit_tid"]
    assert "temporarily unavailable" in str(error)


def test_internal_server_fault_is_server_unavailable_not_auth():
    body = fault_body(
        "3100",
        "message=InternalServerError; errorCode=003100; statusCode=500",
        "",
        fault_type="SERVICE",
    )
    assert type(error_from_response(500, body, {})) is QboServerUnavailable


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (400, b'{"error":"invalid_grant"}', "expired or was revoked"),
        (
            400,
            {"error_description": "Incorrect or invalid refresh token", "error": "invalid_grant"},
            "expired or was revoked",
        ),
        (401, b'{"error":"invalid_client"}', "client ID or client secret"),
    ],
)
def test_token_endpoint_errors(status, body, words):
    error = error_from_response(status, body, TID)
    assert type(error) is QboAuthError
    assert words in str(error)
    assert error.code in ("invalid_grant", "invalid_client")


def test_unknown_token_error_is_a_plain_error():
    error = error_from_response(400, b'{"error":"invalid_request"}', {})
    assert type(error) is QboError
    assert "redirect URI" in str(error)


def test_unexpected_body():
    error = error_from_response(418, b"I'm a teapot", {})
    assert type(error) is QboError
    assert "HTTP 418" in str(error)
    assert error.detail == "I'm a teapot"
