/** @odoo-module **/
// Deleting timesheet lines sent to QuickBooks, when the company's setting
// deletes their time in QuickBooks too: the delete dialog says so, and a
// notification confirms it afterwards. The server says whether QuickBooks
// changes and in which words (account.analytic.line.qbo_delete_confirmation);
// other deletions keep Odoo's own dialog.
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";
import { ListController } from "@web/views/list/list_controller";

const MODEL = "account.analytic.line";

async function qboConfirmation(orm, resIds) {
    if (!resIds.length) {
        return false;
    }
    return orm.call(MODEL, "qbo_delete_confirmation", [resIds]);
}

function qboDialogProps(controller, props, confirmation) {
    return {
        ...props,
        title: confirmation.title,
        body: confirmation.body,
        confirm: async () => {
            await props.confirm();
            controller.env.services.notification.add(confirmation.done, {
                title: confirmation.title,
                type: "success",
            });
        },
    };
}

patch(ListController.prototype, {
    async onDeleteSelectedRecords() {
        if (this.props.resModel !== MODEL) {
            return super.onDeleteSelectedRecords(...arguments);
        }
        const resIds = await this.model.root.getResIds(true);
        const confirmation = await qboConfirmation(this.model.orm, resIds);
        if (!confirmation) {
            return super.onDeleteSelectedRecords(...arguments);
        }
        this.dialogService.add(
            ConfirmationDialog,
            qboDialogProps(this, this.deleteConfirmationDialogProps, confirmation)
        );
    },
});

patch(FormController.prototype, {
    async deleteRecord() {
        const resId = this.model.root.resId;
        if (this.props.resModel !== MODEL || !resId) {
            return super.deleteRecord(...arguments);
        }
        const confirmation = await qboConfirmation(this.orm, [resId]);
        if (!confirmation) {
            return super.deleteRecord(...arguments);
        }
        this.dialogService.add(
            ConfirmationDialog,
            qboDialogProps(this, this.deleteConfirmationDialogProps, confirmation)
        );
    },
});
