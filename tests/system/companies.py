"""Many Odoo companies on one database, each connected to a QuickBooks
company of its own in the sandbox (realms generated), each with lines queued
for the background sender: for the system tests and setup/bench_multi.py."""

from .odoo_process import CLIENT_ID, CLIENT_SECRET, SHELL_OPENING, odoo_shell

EMPLOYEE_ID, CUSTOMER_ID = "55", "21"

# Run in odoo-bin shell: for each of `realms`, a company (created when
# missing) connected to it, an employee and a project mapped as the wizards
# map them, and `count` new lines; then every company's lines queued in one
# transaction. Prints the time of that commit and the queues' sync log ids.
QUEUE_SCRIPT = (
    SHELL_OPENING
    + """
to_queue = []
for realm in {realms!r}:
    name = "Company of " + realm
    company = env["res.company"].search([("name", "=", name)]) or env["res.company"].create(
        {{"name": name}}
    )
    env.user.company_ids |= company
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    company = company.with_env(cenv)
    if company._qbo_connection().realm_id != realm:
        connect(company, realm)
    company.qbo_send_non_billable = True
    employee = cenv["hr.employee"].search([("company_id", "=", company.id)], limit=1) or cenv[
        "hr.employee"].create({{"name": "Emily Platt", "company_id": company.id}})
    employee._qbo_write_each(
        {{employee: employee._qbo_link_values(realm, {employee_id!r}, kind="Employee")}}
    )
    project = cenv["project.project"].search([("company_id", "=", company.id)], limit=1) or cenv[
        "project.project"].create({{"name": "Cool Cars", "company_id": company.id}})
    project._qbo_write_each({{project: project._qbo_link_values(realm, {customer_id!r})}})
    # Not billable (no rate needed): set after the link, which recomputes the default.
    project.qbo_billable = False
    lines = cenv["account.analytic.line"]
    for start in range(0, {count}, 5000):
        lines |= lines.create([
            {{"name": f"Work item {{number}}", "project_id": project.id,
              "employee_id": employee.id, "company_id": company.id,
              "date": datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 300),
              "unit_amount": 0.25 + number % 16 / 4}}
            for number in range(start, min(start + 5000, {count}))
        ])
        env.cr.commit()
    to_queue.append((company, lines))
logs = [env["qbo.send.queue"]._qbo_queue(lines, company) for company, lines in to_queue]
env.cr.commit()
print("QUEUED_AT", time.time(), "LOGS", " ".join(str(log.id) for log in logs))
"""
)


def realm_of(number):
    """The generated realm id of QuickBooks company ``number``."""
    return f"91303500{number:08d}"


def companies_seed(realms):
    """The sandbox's seed: one QuickBooks company per realm of ``realms``,
    each with the employee and the customer the lines are sent for."""
    return {
        "realms": [
            {
                "realm_id": realm,
                "company_name": f"QuickBooks company {realm}",
                "Employee": [{"Id": EMPLOYEE_ID, "GivenName": "Emily", "FamilyName": "Platt"}],
                "Customer": [{"Id": CUSTOMER_ID, "DisplayName": "Cool Cars"}],
            }
            for realm in realms
        ]
    }


def queue_for_companies(db_name, sandbox, realms, count, timeout=3600):
    """Queue ``count`` new lines for each company of ``realms`` (companies
    created and connected when missing); returns (the time the queues were
    committed, the sync log id of each company's send, in the order of
    ``realms``)."""
    output = odoo_shell(
        db_name,
        QUEUE_SCRIPT.format(
            url=sandbox.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            realms=list(realms),
            employee_id=EMPLOYEE_ID,
            customer_id=CUSTOMER_ID,
            count=count,
        ),
        timeout=timeout,
    )
    queued_at, logs = output.split("QUEUED_AT")[1].split("LOGS")
    return float(queued_at), [int(log_id) for log_id in logs.split()]
