/** @odoo-module **/
// All timesheets → Not sent to QuickBooks → select → Actions → Send to
// QuickBooks → the preview shows one line that will not go → Confirm → the
// lines show Sent, the refused one shows Refused and why, and the sync log
// tells why the other one was not sent.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_send_tour", {
    url: "/odoo/all-timesheets",
    steps: () => [
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the lines not sent to QuickBooks yet",
            trigger: ".o_filter_menu .o_menu_item:contains('Not sent to QuickBooks')",
            run: "click",
        },
        {
            content: "The filter applies",
            trigger: ".o_searchview_facet:contains('Not sent to QuickBooks')",
        },
        {
            content: "Close the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The filters are closed and the filtered list is shown (the sent line is gone)",
            trigger:
                "body:not(:has(.o_filter_menu)) .o_list_view:not(:has(.o_data_row:contains('Kickoff call'))) .o_data_row:contains('Workshop')",
        },
        {
            content: "Select every line",
            trigger: ".o_list_view thead .o_list_record_selector input:not(:checked)",
            run: "click",
        },
        {
            content: "Every line is selected",
            trigger: ".o_list_view thead .o_list_record_selector input:checked",
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
            content: "The preview counts the lines to send",
            trigger: ".modal .o_qbo_count_to_send:contains('2')",
        },
        {
            content: "Look at the line that will not be sent",
            trigger: ".modal .nav-link:contains('Refused')",
            run: "click",
        },
        {
            content: "It says why",
            trigger: ".modal .o_qbo_refusals .o_data_row:contains('is not linked')",
        },
        {
            content: "Back to the totals for the screenshot",
            trigger: ".modal .nav-link:contains('Per employee')",
            run: "click",
        },
        {
            content: "The preview, as the manager sees it",
            trigger: ".modal .o_qbo_count_to_send:contains('2')",
            async run() {
                await window.qboScreenshot("send_preview");
            },
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The send reports what happened",
            trigger: ".o_notification:contains('2 lines sent to QuickBooks')",
        },
        {
            content: "Only the refused line is still not sent",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Design review'))) .o_data_row:contains('Workshop')",
        },
        {
            content: "The list shows it Refused, with the reason",
            trigger:
                ".o_data_row:contains('Workshop') [name='qbo_status']:contains('Refused') ~ [name='qbo_reason']:contains('is not linked')",
            async run() {
                await window.qboScreenshot("refused_line");
            },
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Drop the 'Not sent' filter",
            trigger: ".o_filter_menu .o_menu_item:contains('Not sent to QuickBooks')",
            run: "click",
        },
        {
            content: "Keep the lines sent to QuickBooks",
            trigger: ".o_filter_menu .o_menu_item:contains('Sent to QuickBooks'):not(:contains('Not'))",
            run: "click",
        },
        {
            content: "The sent lines show Sent",
            trigger: ".o_data_row:contains('Design review') [name='qbo_status']:contains('Sent')",
        },
        {
            content: "Open the QuickBooks menu",
            trigger: "button[data-menu-xmlid='qb_timesheet_sync.menu_qbo_root']",
            run: "click",
        },
        {
            content: "Open the sync log",
            trigger: ".dropdown-item[data-menu-xmlid='qb_timesheet_sync.menu_qbo_sync_log']",
            run: "click",
        },
        {
            content: "Open the send",
            trigger: ".o_list_view .o_data_row td.o_data_cell:contains('Send timesheets')",
            run: "click",
        },
        {
            content: "The log says why the line was not sent",
            trigger: ".o_form_view .o_data_row:contains('Nora Quinn'):contains('is not linked')",
        },
    ],
});
