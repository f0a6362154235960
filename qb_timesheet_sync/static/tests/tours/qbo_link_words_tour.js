/** @odoo-module **/
// One vocabulary, as rendered: the resync preview says what it will match and
// asks a person to "link" (never "map", "match it" or "Leave alone"), and its
// report counts what the preview listed; the link window of an unlinked
// employee ("A. Martin") shows the QuickBooks company by name (no raw company
// id), no "Clear the link", and does not offer the QuickBooks employee
// already linked to another employee ("Alice Martin"), while the link window
// of a linked employee offers to clear its link.
import { registry } from "@web/core/registry";

// The demo's QuickBooks company id (tests/qbo_sandbox/seeds/demo.json): a
// person reads its name instead.
const REALM_ID = "9341455130166501";
// Words of another vocabulary: people link records, a resync matches them.
const WRONG_WORDS = [/\bmap/i, /\bmatch (it|them)\b/i, /leave alone/i];
// The report's count of each action the preview lists (the preview uses the
// report's words, wizards/qbo_resync_wizard.py).
const REPORT_COUNTS = {
    Matched: "count_matched",
    "Create in Odoo": "count_created_odoo",
    "Create in QuickBooks": "count_created_qbo",
    Update: "count_updated",
    "Not matched": "count_unmatched",
    Ambiguous: "count_ambiguous",
    "Inactive in QuickBooks": "count_inactive",
    Failed: "count_failed",
};
const A_MARTIN = ".modal .o_qbo_resync_preview_lines .o_data_row:contains('A. Martin')";
const ALICE_SUGGESTED = ".modal .o_qbo_suggestions .o_data_row:contains('Alice Martin')";

function checkWords(element, where) {
    const text = element.innerText;
    for (const word of WRONG_WORDS) {
        const found = text.match(word);
        if (found) {
            throw new Error(`${where} says '${found[0]}': ${text}`);
        }
    }
}

function checkNoCompanyId(where) {
    const modal = document.querySelector(".modal");
    const values = [...modal.querySelectorAll("input")].map((input) => input.value);
    if ([modal.innerText, ...values].some((text) => text.includes(REALM_ID))) {
        throw new Error(`${where} shows the QuickBooks company id ${REALM_ID}`);
    }
}

function openChooseInQuickBooks(employee) {
    return [
        {
            content: `${employee}'s form`,
            trigger: `.o_breadcrumb .active:contains('${employee}')`,
            timeout: 60000,
        },
        {
            content: "Open the QuickBooks tab",
            trigger: ".o_notebook .nav-link:contains('QuickBooks')",
            run: "click",
        },
        {
            content: "Choose in QuickBooks",
            trigger: "button[name='action_qbo_choose_mapping']",
            run: "click",
        },
        {
            content: `The link window is for ${employee}`,
            trigger: `.modal .o_field_widget[name='record_name']:contains('${employee}')`,
            timeout: 60000,
        },
        {
            content: "It names the QuickBooks company, never its id",
            trigger: ".modal .o_field_widget[name='qbo_company_name']:contains('Northwind Consulting')",
            run() {
                checkNoCompanyId(`The link window of ${employee}`);
                checkWords(document.querySelector(".modal"), `The link window of ${employee}`);
            },
        },
    ];
}

registry.category("web_tour.tours").add("qbo_link_words_tour", {
    url: "/odoo/timesheets",
    steps: () => {
        const previewCounts = {};
        return [
            {
                content: "Open the QuickBooks menu of Timesheets",
                trigger: ".o_menu_sections button:contains('QuickBooks')",
                // The first page of a loaded machine may take its time.
                timeout: 60000,
                run: "click",
            },
            {
                content: "Check for new users and customers",
                trigger:
                    ".o-dropdown--menu .dropdown-item:contains('Check for new users and customers')",
                run: "click",
            },
            {
                content: "Check now",
                trigger: ".modal button.o_qbo_check_now",
                run: "click",
            },
            {
                content: "A. Martin matched nobody: the rule says to link it by hand",
                trigger: `${A_MARTIN} td[name='message']:contains('link it by hand')`,
                timeout: 60000,
            },
            {
                content: "The preview speaks of matching and linking, and lists what it will do",
                trigger: ".modal .o_qbo_resync_preview_lines",
                run() {
                    checkWords(document.querySelector(".modal .o_qbo_resync_preview"), "The preview");
                    for (const cell of document.querySelectorAll(
                        ".modal .o_qbo_resync_preview_lines .o_data_row td[name='action']"
                    )) {
                        const action = cell.innerText.trim();
                        if (!(action in REPORT_COUNTS)) {
                            throw new Error(`The preview lists '${action}', which its report does not count`);
                        }
                        previewCounts[action] = (previewCounts[action] || 0) + 1;
                    }
                    if (!previewCounts.Matched || !previewCounts["Not matched"]) {
                        throw new Error(`Unexpected preview: ${JSON.stringify(previewCounts)}`);
                    }
                },
            },
            {
                content: "Apply",
                trigger: ".modal button[name='action_check']",
                run: "click",
            },
            {
                content: "The report counts what the preview listed",
                trigger: ".modal .o_qbo_resync_report .o_field_widget[name='count_matched']",
                timeout: 60000,
                run() {
                    const report = document.querySelector(".modal .o_qbo_resync_report");
                    for (const [action, field] of Object.entries(REPORT_COUNTS)) {
                        const shown = report.querySelector(`.o_field_widget[name='${field}']`);
                        const count = Number(shown.innerText.trim());
                        if (count !== (previewCounts[action] || 0)) {
                            throw new Error(
                                `The preview listed ${previewCounts[action] || 0} '${action}', ` +
                                    `the report counts ${count}`
                            );
                        }
                    }
                    checkWords(report, "The report");
                },
            },
            {
                content: "Open A. Martin from the report",
                trigger:
                    ".modal .o_qbo_resync_lines .o_data_row:contains('A. Martin') button[name='action_open_record']",
                run: "click",
            },
            ...openChooseInQuickBooks("A. Martin"),
            {
                content: "A. Martin has no link: nothing to clear",
                trigger: ".modal .modal-footer:not(:has(button[name='action_clear']))",
            },
            {
                content: "Alice Martin looks like A. Martin, and is linked to the employee Alice Martin",
                trigger: `${ALICE_SUGGESTED} td[name='linked_to']:contains('Alice Martin')`,
            },
            {
                content: "so it has no Link button",
                trigger: `${ALICE_SUGGESTED}:not(:has(button.o_qbo_link_suggestion))`,
            },
            {
                content: "Search the QuickBooks list for Alice",
                trigger: ".modal .o_field_widget[name='choice_id'] input",
                run: "edit Alice",
            },
            {
                content: "The QuickBooks employee linked to Alice Martin is not offered",
                trigger: ".o-autocomplete--dropdown-menu .o_m2o_no_result",
                timeout: 60000,
            },
            {
                content: "Cancel",
                trigger: ".modal-footer button:contains('Cancel')",
                run: "click",
            },
            {
                content: "Open the apps",
                trigger: "body:not(:has(.modal)) .o_navbar_apps_menu button",
                run: "click",
            },
            {
                content: "Open Employees",
                trigger: ".o_app[data-menu-xmlid='hr.menu_hr_root']",
                run: "click",
            },
            {
                content: "Open Alice Martin",
                trigger: ".o_kanban_record:contains('Alice Martin')",
                timeout: 60000,
                run: "click",
            },
            ...openChooseInQuickBooks("Alice Martin"),
            {
                content: "Alice Martin is linked: the window shows the link and offers to clear it",
                trigger: ".modal .modal-footer button[name='action_clear']:contains('Clear the link')",
                run() {
                    const input = document.querySelector(
                        ".modal .o_field_widget[name='choice_id'] input"
                    );
                    if (input.value !== "Alice Martin (Employee)") {
                        throw new Error(`The current link shows as '${input.value}'`);
                    }
                },
            },
            {
                content: "Cancel",
                trigger: ".modal-footer button:contains('Cancel')",
                run: "click",
            },
            {
                content: "The link window is closed",
                trigger: "body:not(:has(.modal)) .o_breadcrumb .active:contains('Alice Martin')",
            },
        ];
    },
});
