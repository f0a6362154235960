/** @odoo-module **/
// Class and location of a project: a project form → QuickBooks tab → set its class and location →
// save. The test then sends a line and reads them on the sandbox's page.
import { registry } from "@web/core/registry";

function pick(field, value) {
    return [
        {
            content: `Type the ${field}`,
            trigger: `.o_field_widget[name='${field}'] input`,
            run: `edit ${value}`,
        },
        {
            content: `Pick ${value}`,
            trigger: `.o-autocomplete--dropdown-item:contains('${value}')`,
            run: "click",
        },
        {
            content: `${value} is set`,
            trigger: `.o_field_widget[name='${field}'] input:value('${value}')`,
        },
    ];
}

registry.category("web_tour.tours").add("qbo_hour_details_tour", {
    steps: () => [
        {
            content: "Open the QuickBooks tab of the project",
            trigger: ".o_notebook .nav-link:contains('QuickBooks')",
            run: "click",
        },
        ...pick("qbo_class_ref_id", "Design"),
        ...pick("qbo_department_ref_id", "Boston"),
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
        },
    ],
});
