# Copyright 2026 qb_timesheet_sync contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "QuickBooks Online Timesheet Sync",
    "summary": "Send Odoo timesheets to QuickBooks Online as time activities",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/qb-timesheet-sync/qb_timesheet_sync",
    "author": "qb_timesheet_sync contributors",
    "license": "LGPL-3",
    "depends": ["hr_timesheet"],
    "external_dependencies": {"python": ["requests", "requests_oauthlib"]},
    "data": [
        "security/qb_timesheet_sync_security.xml",
        "security/ir.model.access.csv",
        "views/qbo_connection_views.xml",
        "views/qbo_sync_log_views.xml",
        "views/res_config_settings_views.xml",
        "views/qb_timesheet_sync_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["qb_timesheet_sync/static/tests/tours/*.js"],
    },
    "installable": True,
    "application": False,
}
