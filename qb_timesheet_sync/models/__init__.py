# The mixin first: models inheriting it are set up after it.
from . import qbo_mapping_mixin
from . import (
    account_analytic_line,
    account_analytic_line_plan,
    account_analytic_line_outcome,
    hr_employee,
    project_project,
    project_project_resync,
    project_task,
    qbo_connection,
    qbo_connection_oauth,
    qbo_connection_expiry,
    qbo_hour_details,
    qbo_item,
    qbo_payroll,
    qbo_payroll_compensation,
    qbo_project_rate,
    qbo_rate_window,
    qbo_resync,
    qbo_resync_lists,
    qbo_send_attempt,
    qbo_send_queue,
    qbo_send_queue_cron,
    qbo_sender,
    qbo_state_guard,
    qbo_suggestion,
    qbo_sync_log,
    res_company,
    res_config_settings,
    res_partner,
)

# Extensions of the sender and of its queue, after them.
from . import qbo_deletion, qbo_realtime, qbo_reconcile, qbo_update, qbo_webhook

# What the reconciliation does with changes and deletions seen in QuickBooks.
from . import qbo_reconcile_changes

# The monthly read budget, and the bounded deletion sweep, after them.
from . import qbo_read_budget
