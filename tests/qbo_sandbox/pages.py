"""HTML pages of the sandbox: the consent screen, error pages and the admin overview.

Element ids and names are stable (``input[name=realm_id]``, ``button#connect``,
``button#cancel``) so browser tours can click through them.
"""

import html

HTML_TYPE = "text/html;charset=utf-8"

_STYLE = """
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       background: #f4f5f8; color: #393a3d; }
header { background: #2ca01c; color: #fff; padding: 14px 32px; font-size: 18px;
         font-weight: 600; letter-spacing: .3px; }
header small { font-weight: 400; opacity: .85; margin-left: 8px; }
main { max-width: 980px; margin: 32px auto; padding: 0 16px; }
.card { background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12);
        padding: 28px 32px; margin-bottom: 24px; }
.narrow { max-width: 520px; margin-left: auto; margin-right: auto; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 0 0 12px; }
p.muted { color: #6b6c72; margin-top: 0; }
ul.scopes { padding-left: 20px; color: #393a3d; }
label.company { display: flex; align-items: center; gap: 10px; border: 1px solid #d4d7dc;
                border-radius: 6px; padding: 12px 14px; margin: 8px 0; cursor: pointer; }
label.company:hover { border-color: #2ca01c; }
label.company small { color: #6b6c72; display: block; }
.actions { display: flex; justify-content: flex-end; gap: 12px; margin-top: 20px; }
button { font-size: 15px; border-radius: 20px; padding: 9px 26px; cursor: pointer;
         border: 1px solid #8d9096; background: #fff; color: #393a3d; }
button.primary { background: #2ca01c; border-color: #2ca01c; color: #fff; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e5e8; }
th { color: #6b6c72; font-weight: 600; }
.inactive { color: #8d9096; } .deleted { color: #c9252c; text-decoration: line-through; }
form.inline { display: inline-flex; gap: 2px; margin: 0 2px; }
form.inline button { font-size: 12px; padding: 2px 8px; }
form.inline input { font-size: 12px; padding: 1px 3px; }
code { background: #eef0f3; padding: 1px 5px; border-radius: 4px; }
"""

SCOPE_LABELS = {
    "com.intuit.quickbooks.accounting": "Read and write your QuickBooks accounting data",
    "com.intuit.quickbooks.payment": "Process payments",
    "openid": "Know who you are",
    "profile": "See your name",
    "email": "See your e-mail address",
    "phone": "See your phone number",
    "address": "See your address",
}


def _page(title, body):
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header>intuit<small>QuickBooks Online sandbox (local)</small></header>"
        f"<main>{body}</main></body></html>"
    )


def consent_page(app_name, scope, realms, consent_id, needs_company):
    escape = html.escape
    scope_items = "".join(
        f"<li>{escape(SCOPE_LABELS.get(item, item))}</li>" for item in scope.split()
    )
    if needs_company:
        companies = "".join(
            f'<label class="company" for="realm-{escape(realm.realm_id)}">'
            f'<input type="radio" name="realm_id" id="realm-{escape(realm.realm_id)}" '
            f'value="{escape(realm.realm_id)}"{" checked" if index == 0 else ""}>'
            f"<span>{escape(realm.company_name)}"
            f"<small>Company ID {escape(realm.realm_id)} · "
            f"{escape(realm.settings['OfferingSku'])}</small></span></label>"
            for index, realm in enumerate(realms)
        )
        if not realms:
            companies = '<p class="muted" id="no-company">This sandbox has no companies.</p>'
        company_block = f"<h2>Select a company</h2>{companies}"
    else:
        company_block = ""
    connect_disabled = " disabled" if needs_company and not realms else ""
    body = (
        '<div class="card narrow">'
        f"<h1>Intuit sandbox — {escape(app_name)} wants to connect</h1>"
        '<p class="muted">This local sandbox stands in for Intuit. Nothing leaves this '
        "machine.</p>"
        f'<form method="post" action="/connect/oauth2/decide" id="consent-form">'
        f'<input type="hidden" name="consent_id" value="{escape(consent_id)}">'
        f"{company_block}"
        f'<h2>{escape(app_name)} will be able to:</h2><ul class="scopes">{scope_items}</ul>'
        '<div class="actions">'
        '<button type="submit" id="cancel" name="decision" value="cancel">Cancel</button>'
        f'<button type="submit" id="connect" name="decision" value="connect" '
        f'class="primary"{connect_disabled}>Connect</button>'
        "</div></form></div>"
    )
    return _page(f"{app_name} wants to connect", body)


def error_page(title, message):
    body = (
        '<div class="card narrow" id="error">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></div>"
    )
    return _page(title, body)


def _customer_rows(customers):
    rows = []
    for customer in sorted(customers, key=lambda record: record["FullyQualifiedName"].lower()):
        css = "" if customer.get("Active", True) else ' class="inactive"'
        project = " (project)" if customer.get("IsProject") else ""
        indent = "&nbsp;" * 4 * customer["Level"]
        rows.append(
            f"<tr{css}><td>{html.escape(customer['Id'])}</td>"
            f"<td>{indent}{html.escape(customer['DisplayName'])}{project}</td>"
            f"<td>{html.escape(customer['FullyQualifiedName'])}</td>"
            f"<td>{'yes' if customer.get('Active', True) else 'no'}</td></tr>"
        )
    return "".join(rows)


def _person_rows(people, kind):
    rows = []
    for person in people:
        active = person.get("Active", True)
        css = "" if active else ' class="inactive"'
        rows.append(
            f"<tr{css}><td>{html.escape(person['Id'])}</td><td>{kind}</td>"
            f"<td>{html.escape(person['DisplayName'])}</td>"
            f"<td>{'yes' if active else 'no'}</td></tr>"
        )
    return "".join(rows)


def _ref_name(record, ref):
    return (record.get(ref) or {}).get("name", "")


def _time_actions(realm_id, activity):
    """Forms to bill, edit or delete the time activity as a QuickBooks user would."""
    if activity.get("status") == "Deleted":
        return ""
    escape = html.escape
    record_id = escape(activity["Id"])
    base = f"/_sandbox/realms/{escape(realm_id)}/time-activities/{record_id}"
    bill = ""
    if activity.get("BillableStatus") == "Billable":
        bill = (
            f'<form method="post" action="{base}/bill" class="inline">'
            f'<button type="submit" id="bill-{record_id}">Bill</button></form>'
        )
    edit = ""
    if activity.get("BillableStatus") != "HasBeenBilled":
        edit = (
            f'<form method="post" action="{base}/edit" class="inline" id="edit-{record_id}">'
            f'<input name="Hours" size="2" placeholder="{activity.get("Hours", "")}" title="Hours">'
            f'<input name="Minutes" size="2" placeholder="{activity.get("Minutes", "")}" '
            'title="Minutes">'
            f'<input name="Description" size="10" title="Description" '
            f'placeholder="{escape(activity.get("Description", ""))}">'
            f'<button type="submit" id="save-{record_id}">Save</button></form>'
        )
    delete = (
        f'<form method="post" action="{base}/delete" class="inline">'
        f'<button type="submit" id="delete-{record_id}">Delete</button></form>'
    )
    return f'<td class="qbo-user">{bill}{edit}{delete}</td>'


def _time_rows(activities, customers, realm_id=""):
    rows = []
    for activity in sorted(activities, key=lambda record: record["Id"].zfill(20), reverse=True):
        css = ' class="deleted"' if activity.get("status") == "Deleted" else ""
        person = activity.get("EmployeeRef") or activity.get("VendorRef") or {}
        duration = f"{activity.get('Hours', 0)}h{activity.get('Minutes', 0):02d}"
        if "StartTime" in activity:
            duration = f"{activity['StartTime']} → {activity.get('EndTime', '')}"
        rows.append(
            f"<tr{css}><td>{html.escape(activity['Id'])}</td>"
            f"<td>{html.escape(activity.get('TxnDate', ''))}</td>"
            f"<td>{html.escape(person.get('name', ''))}</td>"
            f"<td>{html.escape((activity.get('CustomerRef') or {}).get('name', ''))}</td>"
            f"<td>{html.escape(_project_name(activity, customers))}</td>"
            f"<td>{html.escape(duration)}</td>"
            f"<td>{html.escape(activity.get('BillableStatus', ''))}</td>"
            f"<td>{html.escape(_ref_name(activity, 'ItemRef'))}</td>"
            f"<td>{html.escape(_ref_name(activity, 'ClassRef'))}</td>"
            f"<td>{html.escape(_ref_name(activity, 'DepartmentRef'))}</td>"
            f"<td>{html.escape(str(activity.get('CostRate', '')))}</td>"
            f"<td>{html.escape(_ref_name(activity, 'PayrollItemRef'))}</td>"
            f"<td>{html.escape(activity.get('Description', ''))}</td>"
            f"{_time_actions(realm_id, activity)}</tr>"
        )
    return "".join(rows)


def _project_name(activity, customers):
    """The QuickBooks project of a time activity (ProjectRef carries its id only)."""
    project_id = (activity.get("ProjectRef") or {}).get("value")
    if not project_id:
        return ""
    return (customers.get(str(project_id)) or {}).get("DisplayName", project_id)


def _metered_line(counts):
    return (
        f"{counts.get('CorePlus', 0):,} CorePlus (metered: data out) · "
        f"{counts.get('Core', 0):,} Core (writes)"
    )


def _webhooks_card(webhooks):
    """Subscriptions (without their tokens) and the latest notifications."""
    escape = html.escape
    subscriptions = webhooks.get("subscriptions") or {}
    if not subscriptions:
        return ""
    rows = "".join(
        f"<tr><td>{escape(client_id)}</td><td>{escape(item['url'])}</td>"
        f"<td>{escape(', '.join(item['entities']))}</td><td>{escape(item['format'])}</td></tr>"
        for client_id, item in subscriptions.items()
    )
    deliveries = "".join(
        f"<tr><td>{escape(item['realm_id'])}</td><td>{item['events']}</td>"
        f"<td>{item['attempt']}</td><td>{escape(str(item['status']))}</td></tr>"
        for item in reversed(webhooks.get("deliveries", [])[-10:])
    )
    return (
        '<div class="card" id="webhooks"><h2>Webhooks</h2>'
        "<table><tr><th>App</th><th>Endpoint</th><th>Entities</th><th>Format</th></tr>"
        f"{rows}</table>"
        f'<p class="muted">{webhooks.get("queued", 0)} events waiting. Latest notifications:</p>'
        "<table><tr><th>Company</th><th>Events</th><th>Attempt</th><th>Answer</th></tr>"
        f"{deliveries}</table></div>"
    )


def admin_page(realms, metered=None, webhooks=None):
    metered = metered or {}
    sections = [
        '<div class="card" id="metered"><h2>API calls as Intuit meters them</h2>'
        f"<p>All companies: {_metered_line(metered)}</p></div>",
        _webhooks_card(webhooks or {}),
    ]
    for realm in realms:
        records = realm.records
        people = _person_rows(records["Employee"].values(), "Employee") + _person_rows(
            records["Vendor"].values(), "Vendor"
        )
        sections.append(
            f'<div class="card" id="realm-{html.escape(realm.realm_id)}">'
            f"<h1>{html.escape(realm.company_name)}</h1>"
            f'<p class="muted">Company ID <code>{html.escape(realm.realm_id)}</code> · '
            f"{html.escape(realm.settings['OfferingSku'])} · "
            f"subscription {html.escape(realm.settings['SubscriptionStatus'])} · "
            f"books closed through {html.escape(realm.settings['BookCloseDate'] or 'never')}"
            "</p>"
            f'<p class="muted">Calls: '
            f"{_metered_line(metered.get('realms', {}).get(realm.realm_id, {}))}</p>"
            f"<h2>Time activities ({len(records['TimeActivity'])})</h2>"
            "<table><tr><th>Id</th><th>Date</th><th>Who</th><th>Customer</th><th>Project</th>"
            "<th>Duration</th><th>Billable</th><th>Item</th><th>Class</th><th>Location</th>"
            "<th>Cost rate</th><th>Pay type</th><th>Description</th>"
            "<th>As a QuickBooks user</th></tr>"
            f"{_time_rows(records['TimeActivity'].values(), records['Customer'], realm.realm_id)}"
            "</table>"
            '<h2 style="margin-top:20px">Customers and projects</h2>'
            "<table><tr><th>Id</th><th>Name</th><th>Full name</th><th>Active</th></tr>"
            f"{_customer_rows(records['Customer'].values())}</table>"
            '<h2 style="margin-top:20px">Employees and vendors</h2>'
            "<table><tr><th>Id</th><th>Type</th><th>Name</th><th>Active</th></tr>"
            f"{people}</table></div>"
        )
    if not realms:
        sections.append('<div class="card"><p>This sandbox has no companies.</p></div>')
    return _page("QuickBooks sandbox", "".join(sections))
