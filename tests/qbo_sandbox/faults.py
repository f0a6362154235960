"""QuickBooks Online fault envelopes and the faults the sandbox raises.

Two envelopes exist (docs/ASSUMPTIONS.md#expired-token-401): the ordinary one with
capitalised keys (``{"Fault": {"Error": [...], "type": ...}, "time": ...}``) and the
lower-case one used by the gateway for 401 and 403 answers.
"""

import time
from xml.sax.saxutils import escape


class QboFault(Exception):
    """A fault answered in the ordinary envelope; ``status`` is the HTTP status."""

    def __init__(
        self, code, message, detail="", element="", status=400, fault_type="ValidationFault"
    ):
        super().__init__(f"{code} {message}")
        self.code = str(code)
        self.message = message
        self.detail = detail
        self.element = element
        self.status = status
        self.fault_type = fault_type

    def fault(self):
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}

    def body(self, time_text):
        return {"Fault": self.fault(), "time": time_text}

    def xml_body(self, time_text):
        """The same fault as QuickBooks' XML ``IntuitResponse`` (the shape of
        the throttle answers seen in public reports, docs/ASSUMPTIONS.md#throttle-answer)."""
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"'
            f' time="{escape(time_text)}">'
            f'<Fault type="{escape(self.fault_type)}"><Error code="{escape(self.code)}">'
            f"<Message>{escape(self.message)}</Message><Detail>{escape(self.detail)}</Detail>"
            "</Error></Fault></IntuitResponse>"
        )


class GatewayFault(Exception):
    """A 401/403 answered in the lower-case envelope of the Intuit gateway."""

    def __init__(self, status, code, message, detail, fault_type):
        super().__init__(f"{code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.fault_type = fault_type

    def body(self):
        return {
            "warnings": None,
            "intuitObject": None,
            "fault": {
                "error": [
                    {
                        "message": self.message,
                        "detail": self.detail,
                        "code": self.code,
                        "element": None,
                    }
                ],
                "type": self.fault_type,
            },
            "report": None,
            "queryResponse": None,
            "batchItemResponse": [],
            "attachableResponse": [],
            "syncErrorResponse": None,
            "requestId": None,
            # This envelope carries epoch milliseconds, not an ISO string
            # (docs/ASSUMPTIONS.md#expired-token-401).
            "time": int(time.time() * 1000),
            "status": None,
            "cdcresponse": [],
        }


def authentication_failed(detail):
    return GatewayFault(
        401,
        "3200",
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        detail,
        "AUTHENTICATION",
    )


def authorization_failed(detail):
    return GatewayFault(
        403,
        "3100",
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        detail,
        "SERVICE",
    )


def throttled():
    # The samples seen are XML; the JSON form below is the emulator's choice
    # (docs/ASSUMPTIONS.md#throttle-answer).
    return QboFault(
        3001,
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
        status=429,
        fault_type="SERVICE",
    )


def internal_server_error():
    return QboFault(
        3100,
        "message=InternalServerError; errorCode=003100; statusCode=500",
        "An internal error occurred. Resubmit the request.",
        status=500,
        fault_type="SERVICE",
    )


def unsupported_operation(detail):
    return QboFault(500, "Unsupported Operation", detail)


def invalid_property(detail, element=""):
    # QBO answers JSON it cannot deserialise with 2010 "Request has invalid or unsupported
    # property" (seen for undecodable bytes,
    # https://github.com/intuit/QuickBooks-V3-Java-SDK/issues/181); used for malformed bodies.
    return QboFault(
        2010,
        "Request has invalid or unsupported property",
        f"Property Name:{detail} specified is unsupported or invalid",
        element,
    )


def required_param(name, element=None):
    return QboFault(
        2020,
        "Required Param Missing",
        f"Required parameter {name} is missing in the request.",
        element if element is not None else name,
    )


def invalid_characters(field):
    # Unknown: no source gives the code for a colon, tab or newline in a name; 2040 is the
    # "Invalid Character" code of the old IPP list (docs/ASSUMPTIONS.md#name-characters).
    return QboFault(
        2040,
        "Invalid Character",
        f"{field} cannot contain a colon (:), a tab or a new line.",
        field,
    )


def invalid_string_length(field, maximum, supplied):
    return QboFault(
        2050,
        "Invalid String Length",
        f"String length specified does not match the supported length. "
        f"Min:0 Max:{maximum} supplied length:{supplied}",
        field,
    )


def invalid_enumeration(value, element):
    return QboFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {value}", element)


def object_not_found(detail, element=""):
    return QboFault(610, "Object Not Found", f"Object Not Found : {detail}", element)


def inactive_reference(element):
    return object_not_found(
        "Something you're trying to use has been made inactive. Check the fields with "
        "accounts, customers, items, vendors or employees.",
        element,
    )


def invalid_reference(entity, value, element):
    return QboFault(
        2500,
        "Invalid Reference Id",
        f"Invalid Reference Id : {entity} assigned to this transaction has been deleted or "
        f"does not exist (Id={value}).",
        element,
    )


def stale_object(entity):
    return QboFault(
        5010,
        "Stale Object Error",
        "Stale Object Error : You and sandbox-user were working on this at the same time. "
        f"sandbox-user finished before you did, so your work was not saved. Entity={entity}",
        "SyncToken",
    )


def permission_denied():
    # Unknown (docs/ASSUMPTIONS.md#plan-without-time-tracking): no source shows what a plan
    # without time tracking answers;
    # 5020 "Permission Denied" is the documented code for "a feature for which your product
    # is not entitled", which is exactly this case, so it wins over 5030 and 6000.
    return QboFault(
        5020,
        "Permission Denied Error",
        "You have issued a request against a feature for which your product is not "
        "entitled. Time tracking is not available in this company's QuickBooks plan.",
        status=400,
    )


def duplicate_name(other_kind="customer, vendor or employee"):
    return QboFault(
        6240,
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {other_kind} is already using this "
        "name. Please use a different name.",
        "DisplayName",
    )


def no_name_provided():
    return QboFault(
        6080,
        "No Name Provided",
        "Please provide a name: DisplayName, or at least one of Title, GivenName, "
        "MiddleName, FamilyName or Suffix.",
        "DisplayName",
    )


def parent_ref_required():
    return QboFault(
        6150,
        "ParentRef Required Validation Error",
        "A sub-customer or job (Job=true) needs a ParentRef to its parent customer.",
        "ParentRef",
    )


def sub_level_limit():
    return QboFault(6180, "Sub Level Limit", "You can nest up to 5 levels.", "ParentRef")


def invalid_company_status():
    return QboFault(
        6190,
        "Invalid Company Status",
        "Subscription period has ended or canceled or there was a billing problem : You "
        "can't add data to QuickBooks Online Plus because your trial or subscription period "
        "ended.",
    )


def account_period_closed():
    # Message and Detail as live systems send them, "through through" included
    # (docs/ASSUMPTIONS.md#books-closed).
    return QboFault(
        6210,
        "Account Period Closed, Cannot Update Through Services API",
        "The account period has closed and the account books cannot be updated through "
        "through the QBO Services API. Please use the QBO website to make these changes.",
        "TxnDate",
    )


def business_validation(detail, element=""):
    return QboFault(
        6000,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        element,
    )


def batch_too_large(size, limit):
    return QboFault(
        1040,
        "Batch size exceeds allowed limit",
        f"The batch has {size} items; at most {limit} are allowed.",
        "BatchItemRequest",
    )


def duplicate_request_id(request_id):
    return QboFault(
        600,
        "RequestId already exists in the system, duplicate request is detected",
        f"Duplicate request detected for requestid {request_id}.",
        "requestid",
    )


def query_parse_error(detail):
    return QboFault(4000, "Error parsing query", f"QueryParserError: {detail}")


def query_invalid(detail):
    return QboFault(4001, "Invalid query", f"QueryValidationError: {detail}")
