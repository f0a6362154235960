/** @odoo-module **/
// A sent 5:00 line corrected to 6:00 in the list → Edited after sending →
// Send to QuickBooks → the preview shows "5:00 → 6:00" to update → Confirm →
// the line shows Sent again.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_update_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "The sent line",
            trigger: ".o_data_row:contains('Design review') [name='qbo_status']:contains('Sent')",
        },
        {
            content: "Edit its duration",
            trigger: ".o_data_row:contains('Design review') td[name='unit_amount']",
            run: "click",
        },
        {
            content: "It should have been 6:00",
            trigger: ".o_data_row.o_selected_row td[name='unit_amount'] input",
            run: "edit 06:00",
        },
        {
            content: "Save",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The line is edited after sending",
            trigger:
                ".o_data_row:contains('Design review') [name='qbo_status']:contains('Edited after sending')",
        },
        {
            content: "Select it",
            trigger: ".o_data_row:contains('Design review') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Send to QuickBooks",
            trigger: ".o-dropdown--menu .o_menu_item:contains('Send to QuickBooks')",
            run: "click",
        },
        {
            content: "The preview counts one line to update",
            trigger: ".modal .o_qbo_count_to_update:contains('1')",
        },
        {
            content: "It totals the change (one hour more), and no line to create",
            trigger:
                ".modal:has(.o_qbo_hours_to_update:contains('+01:00')):not(:has(.o_qbo_count_to_send))",
        },
        {
            content: "Look at the lines to update",
            trigger: ".modal .nav-link:contains('To update')",
            run: "click",
        },
        {
            content: "What QuickBooks has now and what it will get",
            trigger: ".modal .o_qbo_updates .o_data_row:contains('05:00 → 06:00')",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The line is sent again",
            trigger: ".o_data_row:contains('Design review') [name='qbo_status']:contains('Sent'):not(:contains('Edited'))",
        },
    ],
});
