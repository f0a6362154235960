/** @odoo-module **/
// Connect from Settings: the admin types the Intuit app's credentials and
// clicks Connect; the browser then leaves Odoo for the consent page.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_connect_tour", {
    url: "/odoo/action-qb_timesheet_sync.action_qbo_settings",
    steps: () => [
        {
            content: "Type the Intuit client ID",
            trigger: "div[name='qbo_client_id'] input",
            run: "edit odoo-test-client",
        },
        {
            content: "Type the Intuit client secret",
            trigger: "div[name='qbo_client_secret'] input",
            run: "edit odoo-test-secret",
        },
        {
            content: "Mark the page, to see it reload once the settings are saved",
            trigger: ".o_qbo_disconnected",
            run() {
                document.body.classList.add("o_qbo_tour_unsaved");
            },
        },
        {
            content: "Save the settings",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved (the page reloaded), not connected yet",
            trigger: "body:not(.o_qbo_tour_unsaved) .o_qbo_disconnected",
        },
        {
            content: "Connect to QuickBooks",
            trigger: "button[name='action_qbo_connect']",
            run: "click",
        },
    ],
});

// Back from the consent page: connected, test it, disconnect.
registry.category("web_tour.tours").add("qbo_connected_tour", {
    url: "/odoo/action-qb_timesheet_sync.action_qbo_settings",
    steps: () => [
        {
            content: "Settings open at the QuickBooks block, which says which company is connected",
            trigger: ".o_qbo_connected:contains('Connected to'):contains('Test Company A')",
            async run() {
                await window.qboScreenshot("connect");
            },
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_qbo_test']",
            run: "click",
        },
        {
            content: "The test reports in plain words",
            trigger: ".o_notification:contains('the connection works')",
        },
        {
            content: "The verdict names the plan, time tracking, payroll and the books",
            trigger:
                ".o_notification:contains('Plan:'):contains('Time tracking:'):contains('Payroll:'):contains('Books')",
            async run() {
                await window.qboScreenshot("test_connection");
            },
        },
        {
            content: "Disconnect",
            trigger: "button[name='action_qbo_disconnect']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Disconnected",
            trigger: ".o_notification:contains('Disconnected from QuickBooks')",
        },
        {
            content: "Settings show the company as not connected",
            trigger: ".o_qbo_disconnected:visible",
        },
        {
            content: "and when and by whom it was disconnected",
            trigger: ".o_qbo_disconnected_on:visible:contains('Disconnected'):contains('by')",
            async run() {
                await window.qboScreenshot("disconnect");
            },
        },
    ],
});
