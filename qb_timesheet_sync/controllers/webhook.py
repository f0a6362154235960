# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Intuit's webhook endpoint: public, signed, answered at once.

A signed notification is always answered 200, whatever it holds: Intuit
retries a notification answered otherwise as a whole, and later events wait
behind it (docs/ASSUMPTIONS.md#webhook-always-200). The events are only
stored here; a cron reads the changes (``models/qbo_webhook_event.py``), so the
answer leaves well within Intuit's 3 seconds. Any content type is accepted
(``application/cloudevents+json`` or ``application/json``,
docs/ASSUMPTIONS.md#webhook-content-type): the raw body is read."""

import logging

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..models.qbo_connection import WEBHOOK_PATH
from ..qbo.webhooks import read_notification, valid_signature

_logger = logging.getLogger(__name__)

VERIFIER_PARAM = "qb_timesheet_sync.webhook_verifier_token"


class QboWebhookController(http.Controller):
    @http.route(
        WEBHOOK_PATH,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def qbo_webhook(self, **_kwargs):
        body = request.httprequest.get_data()
        token = request.env["ir.config_parameter"].sudo().get_param(VERIFIER_PARAM)
        # The signature first, in constant time: nothing else is done for a
        # request Intuit did not sign.
        if not valid_signature(body, request.httprequest.headers.get("intuit-signature"), token):
            return request.make_response("", status=401)
        notification = read_notification(body)
        try:
            with request.env.cr.savepoint():
                request.env["qbo.webhook.event"].sudo()._qbo_receive_notification(notification)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo replays the request (a retried notification stored meanwhile)
        except Exception:
            # Still 200: a retry would hold every later event back, and the
            # periodic reconciliation finds the changed time activities anyway.
            _logger.exception("QuickBooks webhook: the events could not be stored.")
        return request.make_response("", status=200)
