/** @odoo-module **/
// Settings show what to give Intuit (the redirect and webhook URLs, in full)
// and the scheduled send takes a saved filter of timesheets created on the
// spot; the timesheet list shows the status and the reason without crowding.
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";

const FILTER_NAME = "Billable lines, tour";

registry.category("web_tour.tours").add("qbo_settings_urls_tour", {
    url: "/odoo/action-qb_timesheet_sync.action_qbo_settings",
    steps: () => [
        {
            content: "The webhook URL to give Intuit is shown, ending with the webhook route",
            trigger: ".o_qbo_webhook_url span:contains('/qb_timesheet_sync/webhook')",
            async run() {
                document.querySelector("#qbo_app").scrollIntoView();
                await window.qboScreenshot("settings_urls");
            },
        },
        {
            content: "Turn on the scheduled send",
            trigger: "div[name='qbo_auto_send'] input:not(:checked)",
            run: "click",
        },
        {
            content: "Type the name of a new saved filter in Lines to send",
            trigger: "div[name='qbo_auto_send_filter_id'] input",
            run: `edit ${FILTER_NAME}`,
        },
        {
            content: "Create it, with its conditions",
            trigger: ".o_m2o_dropdown_option_create_edit a, a.o_m2o_dropdown_option_create_edit",
            run: "click",
        },
        {
            content: "The saved filter's form opens with the name typed and a domain editor",
            trigger: `.modal div[name='name'] input:value(${FILTER_NAME})`,
        },
        {
            content: "Its conditions are chosen among the timesheet lines' fields",
            trigger: ".modal div[name='domain']",
            async run() {
                await window.qboScreenshot("settings_new_filter");
            },
        },
        {
            content: "Save the saved filter",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Lines to send holds it",
            trigger: `body:not(:has(.modal)) div[name='qbo_auto_send_filter_id'] input:value(${FILTER_NAME})`,
        },
        {
            content: "Mark the page, to see it reload once the settings are saved",
            trigger: "#qbo_send_background",
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
            content: "Saved: the page reloaded, no invalid field, the filter kept",
            trigger: `body:not(.o_qbo_tour_unsaved):not(:has(.o_notification_manager .text-danger)) div[name='qbo_auto_send_filter_id'] input:value(${FILTER_NAME})`,
            async run() {
                document.querySelector("#qbo_send_background").scrollIntoView();
                await window.qboScreenshot("settings_scheduled_send");
            },
        },
    ],
});

registry.category("web_tour.tours").add("qbo_timesheet_list_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "The refused line shows its status and its reason side by side",
            trigger:
                ".o_data_row:contains('Layout review'):has(td[name='qbo_status'] .badge) td[name='qbo_reason']:contains('employee is not linked')",
        },
        {
            content: "No status badge is cut: each fits its column",
            trigger: ".o_list_view .o_data_row td[name='qbo_status'] .badge",
            async run() {
                const cut = [...document.querySelectorAll("td[name='qbo_status'] .badge")].filter(
                    (badge) => badge.scrollWidth > badge.clientWidth + 1
                );
                if (cut.length) {
                    throw new Error(`Status cut: ${cut.map((badge) => badge.textContent)}`);
                }
                await window.qboScreenshot(`timesheet_list_${user.lang}`);
            },
        },
    ],
});
