# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Reading QuickBooks' answers: the JSON body (or the fault it carries) and
the entity of a single-entity answer."""

from .errors import QboServerUnavailable, error_from_response
from .text import _lt


def decode_answer(response):
    try:
        answer = response.json()
    except ValueError:
        raise QboServerUnavailable(
            _lt("QuickBooks sent an answer that could not be read; try again in a few minutes."),
            detail=response.text[:500],
            intuit_tid=response.headers.get("intuit_tid"),
            http_status=response.status_code,
        ) from None
    # An OK status may still carry a fault (Intuit's error-code page).
    if isinstance(answer, dict) and "Fault" in answer:
        raise error_from_response(response.status_code, answer, response.headers)
    return answer


def entity_from(answer, entity):
    """The entity of a single-entity answer ``{"Customer": {...}, "time": ...}``."""
    if entity in answer:
        return answer[entity]
    return next((value for value in answer.values() if isinstance(value, dict)), None)
