/** @odoo-module **/
// Settings of a connection near QuickBooks' five-year limit: the warning
// names the date and the days left, with one click to reconnect.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_expiry_tour", {
    url: "/odoo/action-qb_timesheet_sync.action_qbo_settings",
    steps: () => [
        {
            content: "Settings warn that QuickBooks ends the connection soon",
            trigger:
                ".o_qbo_expiry_warning:visible:contains('Connection valid until'):contains('days')",
            // The settings page is heavy: give a loaded machine time to open it.
            timeout: 60000,
            async run() {
                await window.qboScreenshot("connection_expiry");
            },
        },
        {
            content: "with one click to reconnect",
            trigger: ".o_qbo_expiry_warning button[name='action_qbo_connect']:contains('Reconnect now')",
        },
    ],
});
