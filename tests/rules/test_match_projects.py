# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from qb_timesheet_sync.qbo.customers import (
    ARCHIVE,
    CREATE,
    LINK,
    UPDATE,
    OdooClient,
    OdooProject,
    match_projects,
    plan_customer_tree,
)
from qb_timesheet_sync.qbo.lists import QboCustomer

# Acme > Website > Phase 1 > Design > Logo, plus Acme > Support and a top-level Walk-in.
TREE = [
    QboCustomer("1", "Acme"),
    QboCustomer("2", "Website", parent_id="1"),
    QboCustomer("3", "Phase 1", parent_id="2", is_project=True),
    QboCustomer("4", "Design", parent_id="3"),
    QboCustomer("5", "Logo", parent_id="4", is_project=True),
    QboCustomer("6", "Support", parent_id="1", is_project=True),
    QboCustomer("7", "Walk-in"),
    QboCustomer("8", "Closed deal", parent_id="1", active=False),
]


def apply(result, clients, projects):
    """Apply a MatchResult the way the Odoo side does, in memory."""
    clients = {client.key: client for client in clients}
    projects = {project.key: project for project in projects}
    for action in result.clients:
        if action.action == LINK:
            clients[action.odoo_key] = dataclasses.replace(
                clients[action.odoo_key], qbo_id=action.qbo_id
            )
        else:
            assert action.action == CREATE
            key = f"client-{action.qbo_id}"
            clients[key] = OdooClient(key, action.name, qbo_id=action.qbo_id)
    client_by_qbo_id = {client.qbo_id: client.key for client in clients.values() if client.qbo_id}

    def client_of(action):
        return client_by_qbo_id[action.client_qbo_id] if action.client_qbo_id else None

    for action in result.projects:
        if action.action == CREATE:
            key = f"project-{action.qbo_id}"
            projects[key] = OdooProject(key, action.name, client_of(action), qbo_id=action.qbo_id)
            continue
        project = projects[action.odoo_key]
        if action.action == LINK:
            projects[project.key] = dataclasses.replace(project, qbo_id=action.qbo_id)
        elif action.action == UPDATE:
            projects[project.key] = dataclasses.replace(project, client_key=client_of(action))
        else:
            assert action.action == ARCHIVE
            projects[project.key] = dataclasses.replace(project, active=False)
    return list(clients.values()), list(projects.values())


def actions(result):
    return {(a.action, a.qbo_id, a.odoo_key, a.client_qbo_id) for a in result.clients}, {
        (a.action, a.qbo_id, a.odoo_key, a.client_qbo_id) for a in result.projects
    }


def codes(result):
    return [(problem.code, problem.qbo_id, problem.odoo_key) for problem in result.report]


def test_pull_everything_into_an_empty_odoo():
    plan = plan_customer_tree(TREE)
    result = match_projects(plan, [], [])
    clients, projects = actions(result)
    assert clients == {
        (CREATE, "1", None, None),
        (CREATE, "2", None, None),
        (CREATE, "3", None, None),
        (CREATE, "4", None, None),
    }
    # The inactive "Closed deal" is not created.
    assert projects == {
        (CREATE, "2", None, "1"),
        (CREATE, "3", None, "2"),
        (CREATE, "4", None, "3"),
        (CREATE, "5", None, "4"),
        (CREATE, "6", None, "1"),
        (CREATE, "7", None, None),
    }
    assert result.report == ()
    create_acme = result.clients[0]
    assert create_acme.name == "Acme"
    assert create_acme.reason == (
        "The QuickBooks customer 'Acme' has sub-customers and no Odoo client matches it: a "
        "client is created."
    )


def test_applying_twice_creates_nothing_more():
    odoo_clients = [OdooClient("c-acme", "ACME"), OdooClient("c-other", "Other")]
    odoo_projects = [
        OdooProject("p-support", "support", client_key="c-acme"),
        OdooProject("p-internal", "Internal"),
        OdooProject("p-closed", "Closed deal", client_key="c-acme"),
    ]
    plan = plan_customer_tree(TREE)
    first = match_projects(plan, odoo_projects, odoo_clients)
    assert (LINK, "1", "c-acme", None) in actions(first)[0]
    assert (LINK, "6", "p-support", "1") in actions(first)[1]
    clients, projects = apply(first, odoo_clients, odoo_projects)
    second = match_projects(plan, projects, clients)
    assert second.clients == ()
    assert second.projects == ()
    assert second.report == ()
    # 2 clients + 3 new, 3 projects + 5 new; the others stay as they were.
    assert len(clients) == 5
    assert len(projects) == 8
    assert OdooProject("p-internal", "Internal") in projects
    assert OdooProject("p-closed", "Closed deal", client_key="c-acme") in projects


def test_link_by_name_under_the_right_client_only():
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1"), OdooClient("c-beta", "Beta")]
    odoo_projects = [
        # Same name, wrong client: not linked.
        OdooProject("p-beta-support", "Support", client_key="c-beta"),
        # Same name, no client, but QuickBooks puts it under Acme: not linked either.
        OdooProject("p-loose-website", "Website"),
        # Same name and no client, like the top-level QuickBooks customer: linked.
        OdooProject("p-walkin", "walk-in"),
    ]
    result = match_projects(plan_customer_tree(TREE), odoo_projects, odoo_clients)
    projects = actions(result)[1]
    assert (LINK, "7", "p-walkin", None) in projects
    assert (CREATE, "6", None, "1") in projects
    assert (CREATE, "2", None, "1") in projects
    link = next(a for a in result.projects if a.action == LINK)
    assert link.reason == (
        "The Odoo project 'walk-in' has the same name and client as the QuickBooks customer "
        "'Walk-in' and is linked to it."
    )


def test_renames_follow_the_id():
    odoo_clients = [OdooClient("c-acme", "Acme Old Name", qbo_id="1")]
    odoo_projects = [OdooProject("p-walkin", "Drop-ins", qbo_id="7")]
    result = match_projects(plan_customer_tree(TREE), odoo_projects, odoo_clients)
    assert not any(a.qbo_id in ("1", "7") and a.action == CREATE for a in result.clients)
    assert not any(a.qbo_id == "7" for a in result.projects)
    assert codes(result) == [("renamed", "1", "c-acme"), ("renamed", "7", "p-walkin")]
    assert result.report[0].message == (
        "The Odoo client 'Acme Old Name' is linked to the QuickBooks customer 'Acme': the "
        "link follows the QuickBooks id; rename one of them if the names should agree."
    )


def test_reparented_customer_updates_the_project_client():
    tree = [
        QboCustomer("1", "Acme"),
        QboCustomer("2", "Beta"),
        QboCustomer("9", "Website", parent_id="2"),  # was under Acme
        QboCustomer("10", "Old", parent_id="2"),
    ]
    odoo_clients = [
        OdooClient("c-acme", "Acme", qbo_id="1"),
        OdooClient("c-beta", "Beta", qbo_id="2"),
    ]
    odoo_projects = [
        OdooProject("p-web", "Website", client_key="c-acme", qbo_id="9"),
        OdooProject("p-old", "Old", client_key="c-beta", qbo_id="10"),
    ]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    clients, projects = actions(result)
    assert (UPDATE, "9", "p-web", "2") in projects
    assert not any(a[1] == "10" for a in projects)
    # Acme has no sub-customer left: it becomes a project, of its client (which stays).
    assert (CREATE, "1", None, "1") in projects
    assert clients == set()
    update = next(a for a in result.projects if a.action == UPDATE)
    assert update.reason == (
        "The QuickBooks customer 'Website' is a sub-customer of 'Beta': the Odoo project "
        "'Website' gets that client."
    )
    assert result.report == ()


def test_customer_moved_to_the_top_level_loses_its_client():
    tree = [QboCustomer("1", "Acme"), QboCustomer("9", "Website")]
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1")]
    odoo_projects = [OdooProject("p-web", "Website", client_key="c-acme", qbo_id="9")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert (UPDATE, "9", "p-web", None) in actions(result)[1]
    update = next(a for a in result.projects if a.action == UPDATE)
    assert update.reason_code == "unparent_project"


def test_inactive_customers_archive_and_never_create():
    tree = [
        QboCustomer("1", "Acme"),
        QboCustomer("2", "Live", parent_id="1"),
        QboCustomer("3", "Closed", parent_id="1", active=False),
        QboCustomer("4", "Already archived", parent_id="1", active=False),
        QboCustomer("5", "Never linked", parent_id="1", active=False),
    ]
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1")]
    odoo_projects = [
        OdooProject("p-live", "Live", client_key="c-acme", qbo_id="2"),
        OdooProject("p-closed", "Closed", client_key="c-acme", qbo_id="3"),
        OdooProject(
            "p-archived", "Already archived", client_key="c-acme", qbo_id="4", active=False
        ),
        # Same name as an inactive customer: not linked, not archived.
        OdooProject("p-homonym", "Never linked", client_key="c-acme"),
    ]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(ARCHIVE, "3", "p-closed", None)})
    assert result.projects[0].reason == (
        "The QuickBooks customer 'Closed' is inactive: the Odoo project 'Closed' is archived."
    )


def test_inactive_parent_with_active_children_still_gets_a_client():
    tree = [QboCustomer("1", "Gamma", active=False), QboCustomer("2", "Job", parent_id="1")]
    result = match_projects(plan_customer_tree(tree), [], [])
    assert actions(result) == ({(CREATE, "1", None, None)}, {(CREATE, "2", None, "1")})


def test_middle_customer_is_linked_as_client_and_project():
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1"), OdooClient("c-web", "Website")]
    odoo_projects = [OdooProject("p-web", "Website", client_key="c-acme")]
    result = match_projects(plan_customer_tree(TREE[:3]), odoo_projects, odoo_clients)
    assert actions(result) == (
        {(LINK, "2", "c-web", None)},
        {(LINK, "2", "p-web", "1"), (CREATE, "3", None, "2")},
    )


def test_ambiguous_clients_are_reported_and_their_projects_wait():
    odoo_clients = [OdooClient("c-1", "Acme"), OdooClient("c-2", " acme ")]
    tree = [QboCustomer("1", "Acme"), QboCustomer("2", "Website", parent_id="1")]
    odoo_projects = [OdooProject("p-web", "Website", client_key="c-1")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert result.clients == ()
    assert result.projects == ()
    assert codes(result) == [
        ("ambiguous_client_name", "1", None),
        ("client_unresolved", "2", None),
    ]
    assert result.report[0].message == (
        "Several Odoo clients are named 'Acme' ('Acme', ' acme '): link the right one to the "
        "QuickBooks customer by hand."
    )


def test_ambiguous_projects_are_reported():
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1")]
    odoo_projects = [
        OdooProject("p-1", "Website", client_key="c-acme"),
        OdooProject("p-2", "WEBSITE", client_key="c-acme"),
    ]
    tree = [QboCustomer("1", "Acme"), QboCustomer("2", "Website", parent_id="1")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert result.projects == ()
    assert codes(result) == [("ambiguous_project_name", "2", None)]


def test_one_odoo_record_wanted_by_two_customers_is_contested():
    # Names differing only by case or spaces: QuickBooks may accept both.
    tree = [
        QboCustomer("1", "Acme"),
        QboCustomer("2", "Web", parent_id="1"),
        QboCustomer("3", "WEB ", parent_id="1"),
        QboCustomer("4", "Beta"),
        QboCustomer("5", "beta"),
        QboCustomer("6", "x", parent_id="4"),
        QboCustomer("7", "y", parent_id="5"),
    ]
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1"), OdooClient("c-beta", "Beta")]
    odoo_projects = [OdooProject("p-web", "web", client_key="c-acme")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert result.clients == ()
    assert result.projects == ()
    assert codes(result) == [
        ("contested_client", None, "c-beta"),
        ("client_unresolved", "6", None),
        ("client_unresolved", "7", None),
        ("contested_project", None, "p-web"),
    ]
    assert result.report[-1].message == (
        "The Odoo project 'web' matches several QuickBooks customers ('Web', 'WEB '): link it "
        "by hand."
    )


def test_links_to_vanished_or_skipped_customers():
    tree = [QboCustomer("1", "Acme"), QboCustomer("20", "Orphan", parent_id="99")]
    odoo_clients = [OdooClient("c-gone", "Gone Inc", qbo_id="50")]
    odoo_projects = [
        OdooProject("p-acme", "Acme", qbo_id="1"),
        OdooProject("p-orphan", "Orphan", qbo_id="20"),
    ]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), set())
    # The orphan is explained by the plan's own report, not as missing.
    assert codes(result) == [
        ("missing_parent", "20", None),
        ("customer_missing_in_qbo", "50", "c-gone"),
    ]
    assert result.report[1].message == (
        "The Odoo client 'Gone Inc' is linked to a QuickBooks customer (id 50) that "
        "QuickBooks no longer returns: link it again by hand."
    )


def test_project_whose_customer_gained_children():
    tree = [QboCustomer("1", "Acme"), QboCustomer("2", "Website", parent_id="1")]
    odoo_clients = [OdooClient("c-acme", "Acme", qbo_id="1")]
    odoo_projects = [OdooProject("p-acme", "Acme", qbo_id="1")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(CREATE, "2", None, "1")})
    assert codes(result) == [("no_longer_project", "1", "p-acme")]


def test_several_projects_linked_to_one_customer_all_follow_it():
    tree = [QboCustomer("1", "Acme"), QboCustomer("2", "Beta"), QboCustomer("9", "Web", "2")]
    odoo_clients = [
        OdooClient("c-acme", "Acme", qbo_id="1"),
        OdooClient("c-beta", "Beta", qbo_id="2"),
    ]
    odoo_projects = [
        OdooProject("p-dev", "Web dev", client_key="c-acme", qbo_id="9"),
        OdooProject("p-ops", "Web ops", client_key="c-beta", qbo_id="9"),
    ]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert (UPDATE, "9", "p-dev", "2") in actions(result)[1]
    assert not any(a.odoo_key == "p-ops" for a in result.projects)


# A client's own project: the QuickBooks customer itself, when the Odoo project is
# named like its client (time logged directly against a customer, no job).
GLOBEX = QboCustomer("1", "Globex Ltd")


def test_project_named_like_its_client_is_linked_to_the_customer_itself():
    odoo_clients = [OdooClient("c-globex", "Globex Ltd")]
    odoo_projects = [OdooProject("p-globex", "GLOBEX  ltd", client_key="c-globex")]
    plan = plan_customer_tree([GLOBEX])
    result = match_projects(plan, odoo_projects, odoo_clients)
    # No second project, and the client is linked to the same customer.
    assert actions(result) == (
        {(LINK, "1", "c-globex", None)},
        {(LINK, "1", "p-globex", "1")},
    )
    assert result.report == ()
    assert result.projects[0].reason_code == "link_own_project"
    assert result.projects[0].reason == (
        "The Odoo project 'GLOBEX  ltd' is named like its client and like the QuickBooks "
        "customer 'Globex Ltd', which has no sub-customer of that name: it is linked to the "
        "customer itself."
    )
    clients, projects = apply(result, odoo_clients, odoo_projects)
    assert OdooProject("p-globex", "GLOBEX  ltd", client_key="c-globex", qbo_id="1") in projects
    again = match_projects(plan, projects, clients)
    assert (again.clients, again.projects, again.report) == ((), (), ())
    assert again.followed == frozenset({"p-globex"})


def test_own_project_of_a_client_already_linked():
    odoo_clients = [OdooClient("c-globex", "Globex Ltd", qbo_id="1")]
    odoo_projects = [OdooProject("p-globex", "Globex Ltd", client_key="c-globex")]
    result = match_projects(plan_customer_tree([GLOBEX]), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(LINK, "1", "p-globex", "1")})


def test_own_project_of_a_customer_with_other_sub_customers():
    tree = [GLOBEX, QboCustomer("2", "Website", parent_id="1")]
    odoo_clients = [OdooClient("c-globex", "Globex Ltd")]
    odoo_projects = [
        OdooProject("p-globex", "Globex Ltd", client_key="c-globex"),
        OdooProject("p-web", "Website", client_key="c-globex"),
    ]
    plan = plan_customer_tree(tree)
    result = match_projects(plan, odoo_projects, odoo_clients)
    assert actions(result) == (
        {(LINK, "1", "c-globex", None)},
        {(LINK, "1", "p-globex", "1"), (LINK, "2", "p-web", "1")},
    )
    assert result.report == ()
    clients, projects = apply(result, odoo_clients, odoo_projects)
    # Linked to a customer with sub-customers: its own project, not reported.
    again = match_projects(plan, projects, clients)
    assert (again.clients, again.projects, again.report) == ((), (), ())
    assert again.followed == frozenset({"p-globex", "p-web"})


def test_a_sub_customer_of_that_name_takes_the_project():
    tree = [GLOBEX, QboCustomer("2", "GLOBEX LTD", parent_id="1")]
    odoo_clients = [OdooClient("c-globex", "Globex Ltd", qbo_id="1")]
    odoo_projects = [OdooProject("p-globex", "Globex Ltd", client_key="c-globex")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(LINK, "2", "p-globex", "1")})
    # An inactive one takes no new time (and is never linked by name): the customer does.
    tree = [GLOBEX, QboCustomer("2", "GLOBEX LTD", parent_id="1", active=False)]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(LINK, "1", "p-globex", "1")})


def test_other_projects_of_the_client_are_left_to_create_in_quickbooks():
    odoo_clients = [OdooClient("c-globex", "Globex Ltd")]
    odoo_projects = [
        OdooProject("p-globex", "Globex Ltd", client_key="c-globex"),
        OdooProject("p-consulting", "Consulting", client_key="c-globex"),
    ]
    result = match_projects(plan_customer_tree([GLOBEX]), odoo_projects, odoo_clients)
    assert actions(result) == (
        {(LINK, "1", "c-globex", None)},
        {(LINK, "1", "p-globex", "1")},
    )


def test_a_loose_project_and_the_client_s_project_of_that_name_are_ambiguous():
    odoo_clients = [OdooClient("c-globex", "Globex Ltd", qbo_id="1")]
    odoo_projects = [
        OdooProject("p-loose", "Globex Ltd"),
        OdooProject("p-globex", "Globex Ltd", client_key="c-globex"),
    ]
    result = match_projects(plan_customer_tree([GLOBEX]), odoo_projects, odoo_clients)
    assert actions(result) == (set(), set())
    assert codes(result) == [("ambiguous_project_name", "1", None)]


def test_a_namesake_client_of_a_customer_without_sub_customers_is_linked_not_created():
    tree = [QboCustomer("1", "Solo"), QboCustomer("2", "Walk-in")]
    odoo_clients = [OdooClient("c-solo", "solo")]
    odoo_projects = [OdooProject("p-install", "Install", client_key="c-solo")]
    plan = plan_customer_tree(tree)
    result = match_projects(plan, odoo_projects, odoo_clients)
    # Its project is created under it; Walk-in has no client and gets none.
    assert actions(result) == (
        {(LINK, "1", "c-solo", None)},
        {(CREATE, "1", None, "1"), (CREATE, "2", None, None)},
    )
    clients, projects = apply(result, odoo_clients, odoo_projects)
    again = match_projects(plan, projects, clients)
    assert (again.clients, again.projects, again.report) == ((), (), ())


def test_inactive_customer_links_no_client_by_name():
    tree = [QboCustomer("1", "Solo", active=False)]
    odoo_clients = [OdooClient("c-solo", "Solo")]
    odoo_projects = [OdooProject("p-solo", "Solo", client_key="c-solo")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), set())


def test_linked_project_of_a_top_level_customer_may_keep_its_own_client():
    tree = [GLOBEX, QboCustomer("2", "Beta")]
    odoo_clients = [
        OdooClient("c-globex", "Globex Ltd", qbo_id="1"),
        OdooClient("c-beta", "Beta", qbo_id="2"),
    ]
    odoo_projects = [
        OdooProject("p-own", "Globex Ltd", client_key="c-globex", qbo_id="1"),
        OdooProject("p-loose", "Globex support", qbo_id="1"),
        OdooProject("p-beta", "Globex extra", client_key="c-beta", qbo_id="1"),
        OdooProject("p-beta-own", "Beta", client_key="c-beta", qbo_id="2"),
    ]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert actions(result) == (set(), {(UPDATE, "1", "p-beta", "1")})
    update = result.projects[0]
    assert update.reason == (
        "The QuickBooks customer 'Globex Ltd' is a top-level customer linked to an Odoo "
        "client: the Odoo project 'Globex extra' gets that client."
    )
    assert result.followed == frozenset({"p-own", "p-loose", "p-beta", "p-beta-own"})


def test_a_project_linked_to_a_customer_that_gained_sub_customers_is_reported():
    tree = [GLOBEX, QboCustomer("2", "Website", parent_id="1")]
    odoo_clients = [OdooClient("c-globex", "Globex Ltd", qbo_id="1")]
    # Not its client's: a project without client linked when Globex had no jobs.
    odoo_projects = [OdooProject("p-globex", "Globex Ltd", qbo_id="1")]
    result = match_projects(plan_customer_tree(tree), odoo_projects, odoo_clients)
    assert codes(result) == [("no_longer_project", "1", "p-globex")]
    assert result.followed == frozenset()


NAMES = ["Acme", "acme", "Web", "Design", "Support", "Beta"]


@st.composite
def resync_cases(draw):
    """A random QuickBooks forest and a random Odoo side partly linked to it."""
    customers = []
    for index in range(draw(st.integers(min_value=1, max_value=15))):
        parents = [c.qbo_id for c in customers if c.fully_qualified_name.count(":") < 4]
        parent_id = draw(st.sampled_from([None, *parents]))
        name = draw(st.sampled_from(NAMES))
        parent = next((c for c in customers if c.qbo_id == parent_id), None)
        fqn = f"{parent.fully_qualified_name}:{name}" if parent else name
        customers.append(
            QboCustomer(
                str(index + 1), name, parent_id, draw(st.booleans()), fully_qualified_name=fqn
            )
        )
    qbo_ids = [None, "404"] + [c.qbo_id for c in customers]
    clients = [
        OdooClient(f"c{n}", draw(st.sampled_from(NAMES)), draw(st.sampled_from(qbo_ids)))
        for n in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    client_keys = [None] + [client.key for client in clients]
    projects = [
        OdooProject(
            f"p{n}",
            draw(st.sampled_from(NAMES)),
            draw(st.sampled_from(client_keys)),
            draw(st.sampled_from(qbo_ids)),
            draw(st.booleans()),
        )
        for n in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    return customers, clients, projects


@settings(max_examples=200, deadline=None, database=None)
@given(resync_cases())
def test_resync_is_idempotent_on_any_input(case):
    customers, clients, projects = case
    plan = plan_customer_tree(customers)
    clients, projects = apply(match_projects(plan, projects, clients), clients, projects)
    again = match_projects(plan, projects, clients)
    assert again.clients == ()
    assert again.projects == ()
