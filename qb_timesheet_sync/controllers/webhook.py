# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Intuit's webhook endpoint: public, signed, answered at once."""

import logging

from odoo import http
from odoo.http import request

from ..qbo.webhooks import MalformedNotification, parse_events, valid_signature

_logger = logging.getLogger(__name__)

VERIFIER_PARAM = "qb_timesheet_sync.webhook_verifier_token"


class QboWebhookController(http.Controller):
    @http.route(
        "/qb_timesheet_sync/webhook",
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
        try:
            events = parse_events(body)
        except MalformedNotification as error:
            _logger.info("QuickBooks webhook refused: %s", error)
            return request.make_response(str(error), status=400)
        request.env["qbo.webhook.event"].sudo()._qbo_receive(events)
        return request.make_response("", status=200)
