# Abstract models first: the models inheriting them are set up after them.
from . import qbo_state_guard, qbo_mapping_mixin, qbo_append_only
from . import qbo_service_item_mixin, qbo_hour_details_mixin
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
    qbo_send_queue_pipeline,
    qbo_sender,
    qbo_sender_recovery,
    qbo_suggestion,
    qbo_sync_log,
    qbo_sync_log_line,
    res_company,
    res_config_settings,
    res_partner,
)

# Extensions of the sender, of its queue and of the lines, after them.
from . import (
    account_analytic_line_realtime,
    qbo_connection_realtime,
    qbo_send_queue_realtime,
    qbo_reconcile,
    qbo_sender_update,
    qbo_sender_choice,
    qbo_time_deletion,
    qbo_webhook_event,
)

# What the reconciliation does with changes and deletions seen in QuickBooks.
from . import qbo_reconcile_changes

# The monthly read budget, and the bounded deletion sweep.
from . import qbo_read_budget

# Failures to fix: refused and failed lines per company and reason, the
# lines kept out of QuickBooks, and the daily digest of them.
from . import account_analytic_line_skip
from . import qbo_failure_group
from . import qbo_failure_digest
from . import res_users

# The overview: one card per company, over everything above.
from . import qbo_connection_overview, qbo_connection_overview_actions
