/** @odoo-module **/
// A QuickBooks manager deletes a sent line while the company's setting
// deletes sent time in QuickBooks too: the dialog says QuickBooks changes,
// and a notification confirms it afterwards.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_delete_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "Select the sent line",
            trigger: ".o_data_row:contains('Design review') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Delete",
            trigger: ".o-dropdown--menu .o_menu_item:contains('Delete')",
            run: "click",
        },
        {
            content: "The dialog says QuickBooks changes too",
            trigger: ".modal:contains('Delete in QuickBooks too?'):contains('deletes its time in QuickBooks too')",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "A notification confirms it",
            trigger: ".o_notification:contains('its time is being deleted in QuickBooks')",
        },
        {
            content: "The line is gone",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Design review')))",
        },
    ],
});
