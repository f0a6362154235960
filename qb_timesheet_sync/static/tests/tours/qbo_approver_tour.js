/** @odoo-module **/
// A timesheet administrator without QuickBooks rights: the list shows the
// QuickBooks status of each line (read only); changing a sent line warns
// that QuickBooks keeps the values sent, and the line then shows it.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_approver_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "The sent line shows Sent",
            trigger: ".o_data_row:contains('Design review') [name='qbo_status']:contains('Sent')",
        },
        {
            content: "Edit its duration",
            trigger: ".o_data_row:contains('Design review') [name='unit_amount']",
            run: "click",
        },
        {
            content: "Type a new duration",
            trigger: ".o_data_row.o_selected_row [name='unit_amount'] input",
            run: "edit 03:00 && press Tab",
        },
        {
            content: "Odoo warns that QuickBooks keeps the values sent",
            trigger: ".o_notification:contains('QuickBooks keeps the values sent')",
            async run() {
                await window.qboScreenshot("approver_warning");
            },
        },
        {
            content: "Save the change all the same",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The line shows it was edited after sending",
            trigger: ".o_data_row:contains('Design review') [name='qbo_status']:contains('Edited after sending')",
        },
    ],
});
