# Demo data for the README's first command, run through `odoo-bin shell`.
# Points Odoo at the local QuickBooks sandbox and creates employees, clients,
# projects and a few weeks of timesheets named like the sandbox's demo
# company, so a newcomer can match, resync and send without typing anything.
from datetime import date, timedelta

ICP = env["ir.config_parameter"]  # noqa: F821 (provided by odoo shell)
ICP.set_param("qb_timesheet_sync.environment", "custom")
ICP.set_param("qb_timesheet_sync.client_id", "sandbox-client-id")
ICP.set_param("qb_timesheet_sync.client_secret", "sandbox-client-secret")

admin = env.ref("base.user_admin")  # noqa: F821
admin.groups_id |= env.ref("hr_timesheet.group_timesheet_manager")  # noqa: F821

# Named like the sandbox's demo company (tests/qbo_sandbox/seeds/demo.json),
# so "Check for new users and customers" matches them; "Internal Training"
# exists only in Odoo.
# "F. Haddad" matches nobody exactly: the resync suggests "Farid Haddad", said
# inactive (the sandbox's Farid Haddad is), to reactivate in QuickBooks first.
EMPLOYEES = ["Alice Martin", "Bruno Keller", "Chloé Dubois", "David Okafor", "F. Haddad"]
CONTRACTORS = ["Jordan Blake"]
PROJECTS = {
    "Acme Corporation": ["Website Redesign"],
    "Globex Ltd": ["ERP Rollout", "Support Retainer"],
    None: ["Internal Training"],
}

employees = env["hr.employee"].create(  # noqa: F821
    [{"name": name} for name in EMPLOYEES]
    + [{"name": name, "employee_type": "freelance"} for name in CONTRACTORS]
)
projects = env["project.project"]  # noqa: F821
for client_name, project_names in PROJECTS.items():
    client = client_name and env["res.partner"].create(  # noqa: F821
        {"name": client_name, "is_company": True}
    )
    for project_name in project_names:
        projects |= env["project.project"].create(  # noqa: F821
            {"name": project_name, "partner_id": client and client.id, "allow_timesheets": True}
        )

# Rates of billable time: the company default, and one project's own rate.
env.company.qbo_default_hourly_rate = 95.0  # noqa: F821
# Job costing: each employee's hourly cost (HR settings) is sent as the cost
# rate of their time. Classes and locations come from the sandbox with the
# resync (its demo company tracks both).
env.company.qbo_send_cost = True  # noqa: F821
for employee, cost in zip(employees, (55.0, 48.0, 62.0, 40.0, 52.0, 70.0), strict=True):
    employee.hourly_cost = cost
projects.filtered(lambda project: project.name == "Website Redesign").qbo_hourly_rate = 120.0

start = date.today() - timedelta(days=21)
lines = []
for day in range(21):
    day_date = start + timedelta(days=day)
    if day_date.weekday() >= 5:
        continue
    for index, employee in enumerate(employees):
        project = projects[(day + index) % len(projects)]
        lines.append(
            {
                "name": f"Work on {project.name}",
                "project_id": project.id,
                "employee_id": employee.id,
                "date": day_date,
                "unit_amount": 2 + (day + index) % 5 * 0.75,
            }
        )
env["account.analytic.line"].create(lines)  # noqa: F821
env.cr.commit()  # noqa: F821
print(f"Demo data: {len(employees)} employees, {len(projects)} projects, {len(lines)} lines.")
