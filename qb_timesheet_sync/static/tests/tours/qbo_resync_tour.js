/** @odoo-module **/
// Settings → Check for new users and customers → the preview → Apply → the
// report → open a project
// the resync created → its QuickBooks tab shows the customer it is linked to.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("qbo_resync_tour", {
    url: "/odoo/action-qb_timesheet_sync.action_qbo_settings",
    steps: () => [
        {
            content: "Check for new users and customers",
            trigger: "button[name='action_qbo_resync']",
            run: "click",
        },
        {
            content: "The preview says what will be created in Odoo, and by which rule",
            trigger:
                ".modal .o_qbo_resync_preview_lines .o_data_row:contains('Create in Odoo'):contains('a project is created')",
        },
        {
            content: "Nothing is written before Apply",
            trigger: ".modal .o_qbo_resync_preview .alert:contains('Nothing is written yet')",
        },
        {
            content: "Apply",
            trigger: ".modal button[name='action_check']",
            run: "click",
        },
        {
            content: "The report counts what was created in Odoo",
            trigger: ".modal .o_field_widget[name='count_created_odoo']:contains('2')",
        },
        {
            content: "Open the project created for the QuickBooks customer 'Website'",
            trigger:
                ".modal .o_qbo_resync_lines .o_data_row:contains('a project is created') button[name='action_open_record']",
            run: "click",
        },
        {
            content: "The project form is open",
            trigger: ".o_breadcrumb .active:contains('Website')",
        },
        {
            content: "Open the QuickBooks tab",
            trigger: ".o_notebook .nav-link:contains('QuickBooks')",
            run: "click",
        },
        {
            content: "The project is linked to the QuickBooks sub-customer",
            trigger: ".o_field_widget[name='qbo_fully_qualified_name']:contains('Cool Cars:Website')",
        },
    ],
});
