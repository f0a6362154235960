/** @odoo-module **/
// A QuickBooks manager: Timesheets > QuickBooks > Check for new users and
// customers > Check now → the preview's "Closest in QuickBooks" suggests, for
// the Odoo employee "F. Haddad", the QuickBooks employee 'Farid Haddad', said
// inactive there, with what to do → Choose → the link window lists it first,
// said inactive, and offers no link to clear → Link: linked on purpose (the
// test checks the link). Takes the "resync_preview" screenshot.
import { registry } from "@web/core/registry";

const HADDAD = ".modal .o_qbo_resync_preview_lines .o_data_row:contains('F. Haddad')";
const FARID = ".modal .o_qbo_suggestions .o_data_row:contains('Farid Haddad')";

registry.category("web_tour.tours").add("qbo_inactive_suggestion_tour", {
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
            content: "Check for new users and customers",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Check for new users and customers')",
            run: "click",
        },
        {
            content: "Check now",
            trigger: ".modal button.o_qbo_check_now",
            run: "click",
        },
        {
            content: "The preview has a column of the closest QuickBooks records",
            trigger: ".modal .o_qbo_resync_preview_lines th:contains('Closest in QuickBooks')",
            timeout: 60000,
        },
        {
            content: "F. Haddad matched nobody by name or e-mail",
            trigger: `${HADDAD} td[name='action']:contains('Not matched')`,
        },
        {
            content: "Its closest QuickBooks employee: Farid Haddad, same name with initials, 90%",
            trigger: `${HADDAD} td[name='suggestions']:contains("'Farid Haddad' (same name with initials, 90%")`,
        },
        {
            content: "Said inactive in QuickBooks, with what to do about it",
            trigger:
                `${HADDAD} td[name='suggestions']:contains("inactive in QuickBooks: reactivate it there, ` +
                `then run 'Check for new users and customers' again)")`,
            async run() {
                // Read in full: not cut by the column's width.
                if (this.anchor.scrollWidth > this.anchor.clientWidth) {
                    throw new Error(`The suggestion is cut: ${this.anchor.innerText}`);
                }
                this.anchor.closest(".o_data_row").scrollIntoView({ block: "center" });
                await window.qboScreenshot("resync_preview");
            },
        },
        {
            content: "Choose",
            trigger: `${HADDAD} button.o_qbo_choose_suggestion:contains('Choose')`,
            run: "click",
        },
        {
            content: "The link window is for F. Haddad",
            trigger: ".modal .o_field_widget[name='record_name']:contains('F. Haddad')",
            timeout: 60000,
        },
        {
            content: "Farid Haddad is suggested first, said inactive in QuickBooks",
            trigger:
                ".modal .o_qbo_suggestions .o_data_row:first-child:contains('Farid Haddad')" +
                ":contains('same name with initials, inactive in QuickBooks')",
        },
        {
            content: "Nothing is chosen for the user, and there is no link to clear",
            trigger:
                ".modal:has(.o_qbo_suggestions) .modal-footer:not(:has(button[name='action_clear']))",
            run() {
                const input = document.querySelector(".modal .o_field_widget[name='choice_id'] input");
                if (!input || input.value) {
                    throw new Error(`The QuickBooks record is chosen already: '${input?.value}'`);
                }
            },
        },
        {
            content: "Link Farid Haddad, on purpose",
            trigger: `${FARID} button.o_qbo_link_suggestion`,
            run: "click",
        },
        {
            content: "The link window closes",
            trigger: "body:not(:has(.modal)) .o_menu_sections button:contains('QuickBooks')",
            timeout: 60000,
        },
    ],
});
