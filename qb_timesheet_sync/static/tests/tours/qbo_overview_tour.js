/** @odoo-module **/
// Timesheets > QuickBooks > Overview: the company's card, then Refused opens
// the refused lines.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_overview_tour", {
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
            content: "The company's card shows its health, budget and lines",
            trigger:
                ".o_qbo_overview_card:contains('Connection health'):contains('Read budget') .o_qbo_refused:contains('1')",
            timeout: 60000,
            async run() {
                await window.qboScreenshot("overview");
            },
        },
        {
            content: "Open the refused lines",
            trigger: ".o_qbo_overview_card .o_qbo_refused",
            run: "click",
        },
        {
            content: "The list shows the refused line, and only the refused lines",
            trigger: ".o_list_view .o_data_row:contains('Overview refused line')",
            timeout: 60000,
        },
        {
            content: "under the breadcrumb of the refused lines",
            trigger: ".o_breadcrumb:contains('Refused by the QuickBooks rules')",
        },
    ],
});
