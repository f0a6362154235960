/** @odoo-module **/
// A sent line that QuickBooks billed (the sandbox's admin action, told to
// Odoo by its webhook): the list shows it "Billed in QuickBooks" and its
// cells cannot be edited.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_billed_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "The sent line is in the list",
            trigger: ".o_data_row:contains('Design review')",
        },
        {
            content: "And a line that is not billed",
            trigger: ".o_data_row:contains('Kick-off call')",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the lines billed in QuickBooks",
            trigger: ".o_filter_menu .o-dropdown-item:contains('Billed in QuickBooks')",
            run: "click",
        },
        {
            content: "The line is among them, its status Billed in QuickBooks",
            trigger:
                ".o_data_row:contains('Design review') td[name='qbo_status']:contains('Billed in QuickBooks')",
        },
        {
            content: "The filter is on",
            trigger: ".o_searchview_facet:contains('Billed in QuickBooks')",
        },
        {
            content: "The line that is not billed is left out",
            trigger: ".o_list_table:not(:has(.o_data_row:contains('Kick-off call')))",
        },
        {
            content: "Try to change its duration",
            trigger: ".o_data_row:contains('Design review') td[name='unit_amount']",
            run: "click",
        },
        {
            content: "The duration cannot be edited",
            trigger:
                ".o_data_row:contains('Design review') td[name='unit_amount'].o_readonly_modifier:not(:has(input))",
        },
        {
            content: "Nor the description",
            trigger:
                ".o_data_row:contains('Design review') td[name='name'].o_readonly_modifier:not(:has(input))",
        },
    ],
});
