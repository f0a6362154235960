/** @odoo-module **/
// After a sent line was deleted in Odoo (its time activity deleted in
// QuickBooks by the background job) and a line changed in QuickBooks was
// settled with "Keep QuickBooks' version", both by the Administrator:
// Timesheets > QuickBooks > Sync log, filtered on what happened after
// sending, names each entry by what happened and by whom (not "Send
// timesheets", not OdooBot), and the choice's entry says what Odoo had and
// what it has now.
import { registry } from "@web/core/registry";

const ROWS = ".o_list_view .o_data_row";
const DELETION_ROW = ".o_data_row:has(td[name='display_name']:contains('Delete in QuickBooks'))";
const DELETION = `.o_list_view ${DELETION_ROW}`;
const KEPT = `${ROWS}:has(td[name='display_name']:contains("Kept QuickBooks' version"))`;

registry.category("web_tour.tours").add("qbo_sync_log_tour", {
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
            content: "Open the sync log",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Sync log')",
            run: "click",
        },
        {
            content: "The sync log lists the deletion",
            trigger: DELETION,
            timeout: 60000,
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Only what happened after sending",
            trigger: ".o_filter_menu .o_menu_item:contains('Edits, deletions and choices after sending')",
            run: "click",
        },
        {
            content: "Close the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The sends are filtered out",
            trigger: `.o_list_view:not(:has(.o_data_row:contains('Send timesheets'))) ${DELETION_ROW}`,
            timeout: 60000,
        },
        {
            content: "The deletion is the Administrator's, who deleted the line in Odoo",
            trigger: `${DELETION} td[name='user_id']:contains('Administrator')`,
        },
        {
            content: "Keeping QuickBooks' version is the Administrator's too",
            trigger: `${KEPT} td[name='user_id']:contains('Administrator')`,
            run() {
                const rows = [...document.querySelectorAll(ROWS)];
                const names = rows.map((row) => row.querySelector("td[name='display_name']").innerText);
                if (rows.length !== 2) {
                    throw new Error(`Expected the deletion and the choice, not: ${names.join(", ")}`);
                }
                for (const row of rows) {
                    const user = row.querySelector("td[name='user_id']").innerText;
                    if (user.includes("OdooBot")) {
                        throw new Error(`'${row.innerText}' is logged by OdooBot`);
                    }
                }
            },
        },
        {
            content: "Open the deletion",
            trigger: `${DELETION} td[name='display_name']`,
            run: "click",
        },
        {
            content: "Its operation: Delete in QuickBooks",
            trigger: ".o_form_view .o_field_widget[name='operation']:contains('Delete in QuickBooks')",
            timeout: 60000,
        },
        {
            content: "By the Administrator",
            trigger: ".o_form_view .o_field_widget[name='user_id']:contains('Administrator')",
        },
        {
            content: "Its detail names the deleted time activity and the line",
            trigger:
                ".o_field_widget[name='line_ids'] .o_data_row td[name='message_display']" +
                ":contains('deleted in QuickBooks (Emily Platt')",
        },
        {
            content: "Back to the sync log",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('sync log')",
            run: "click",
        },
        {
            content: "Open the choice",
            trigger: `${KEPT} td[name='display_name']`,
            timeout: 60000,
            run: "click",
        },
        {
            content: "Its operation names the conflict and the version kept",
            trigger:
                ".o_form_view .o_field_widget[name='operation']" +
                ":contains(\"Conflict resolved: kept QuickBooks' version\")",
            timeout: 60000,
        },
        {
            content: "By the Administrator",
            trigger: ".o_form_view .o_field_widget[name='user_id']:contains('Administrator')",
        },
        {
            content: "Its detail says what Odoo had and what it has now",
            trigger:
                ".o_field_widget[name='line_ids'] .o_data_row td[name='message_display']" +
                ":contains('Odoo had 05:00 on'):contains('now 06:00 on'):contains('as in QuickBooks')",
        },
    ],
});
