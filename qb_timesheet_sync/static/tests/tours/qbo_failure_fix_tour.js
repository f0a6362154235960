/** @odoo-module **/
// Timesheets > QuickBooks > Overview: the card counts a refused line → Failures
// to fix → the group "Employee not linked" → Link employee → link the
// suggested QuickBooks employee → Resend → the preview sends 1 → Confirm.
import { registry } from "@web/core/registry";

// The group of the unlinked employee: the one row that offers Link employee.
const GROUP = ".o_list_view .o_data_row:has(button[name='action_qbo_link_employee'])";

registry.category("web_tour.tours").add("qbo_failure_fix_tour", {
    url: "/odoo/timesheets",
    steps: () => [
        {
            content: "Open the QuickBooks menu of Timesheets",
            trigger: ".o_menu_sections button:contains('QuickBooks')",
            // The first page of a loaded machine may take its time.
            timeout: 60000,
            run: "click",
        },
        {
            content: "Open the overview",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Overview')",
            run: "click",
        },
        {
            content: "The company's card counts the refused line",
            trigger: ".o_qbo_overview_card .o_qbo_refused:contains('1')",
            timeout: 60000,
        },
        {
            content: "Open the QuickBooks menu again",
            trigger: ".o_menu_sections button:contains('QuickBooks')",
            run: "click",
        },
        {
            content: "Open the failures to fix",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Failures to fix')",
            run: "click",
        },
        {
            content: "The group of the unlinked employee, with its fixes",
            trigger: `${GROUP} button[name='action_qbo_link_employee']`,
            timeout: 60000,
            async run() {
                await window.qboScreenshot("failures");
            },
        },
        {
            content: "Link the employee",
            trigger: `${GROUP} button[name='action_qbo_link_employee']`,
            run: "click",
        },
        {
            content: "Link the suggested QuickBooks employee",
            trigger:
                ".modal .o_qbo_suggestions .o_data_row:contains('Emily Platt') button.o_qbo_link_suggestion",
            timeout: 60000,
            run: "click",
        },
        {
            content: "The link window closes on the group",
            trigger: `body:not(:has(.modal)) ${GROUP} button[name='action_qbo_resend']`,
            timeout: 60000,
            run: "click",
        },
        {
            content: "The preview sends the one line",
            trigger: ".modal .o_qbo_count_to_send:contains('1')",
            timeout: 60000,
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The send reports the line sent",
            trigger: ".o_notification:contains('sent to QuickBooks')",
            timeout: 60000,
        },
    ],
});
