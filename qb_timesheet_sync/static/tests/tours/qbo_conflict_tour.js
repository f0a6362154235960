/** @odoo-module **/
// A sent 5:00 line changed to 6:00 in QuickBooks → Changed in QuickBooks →
// Keep QuickBooks' version… → the window shows both versions and what will
// be overwritten → Keep QuickBooks' version → the line is Sent, at 6:00.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_conflict_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "The line changed in QuickBooks",
            trigger:
                ".o_data_row:contains('Design review') [name='qbo_status']:contains('Changed in QuickBooks')",
            timeout: 30000,
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
            content: "Keep QuickBooks' version…",
            trigger: ".o-dropdown--menu .o_menu_item:contains('Keep QuickBooks')",
            run: "click",
        },
        {
            content: "QuickBooks now: 6:00",
            trigger: ".modal .o_qbo_conflict_rows .o_data_row td.o_qbo_conflict_qbo:contains('6:00')",
            timeout: 30000,
        },
        {
            content: "Odoo now: 5:00",
            trigger: ".modal .o_qbo_conflict_rows .o_data_row td.o_qbo_conflict_odoo:contains('5:00')",
        },
        {
            content: "What will be overwritten where",
            trigger:
                ".modal .o_qbo_conflict_rows td.o_qbo_conflict_keep:contains('will replace Odoo')",
        },
        {
            content: "Keep QuickBooks' version",
            trigger: ".modal button.btn-primary[name='action_keep_quickbooks_version']",
            run: "click",
        },
        {
            content: "The line is sent, at QuickBooks' 6:00",
            trigger:
                ".o_data_row:contains('Design review'):has([name='qbo_status']:contains('Sent'):not(:contains('Changed'))) td[name='unit_amount']:contains('06:00')",
            timeout: 30000,
        },
    ],
});
