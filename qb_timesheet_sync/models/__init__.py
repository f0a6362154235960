from . import (
    account_analytic_line,
    hr_employee,
    project_project,
    qbo_connection,
    qbo_item,
    qbo_mapping_mixin,
    qbo_project_rate,
    qbo_send_attempt,
    qbo_sync_log,
    res_company,
    res_config_settings,
    res_partner,
)
