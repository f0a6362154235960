# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qb_timesheet_sync.qbo.customers import CLIENT, PROJECT, plan_customer_tree
from qb_timesheet_sync.qbo.lists import QboCustomer

# Acme > Website > Phase 1 > Design > Logo is five levels, the most QuickBooks allows.
FIVE_LEVELS = [
    QboCustomer("5", "Logo", parent_id="4", is_project=True),
    QboCustomer("1", "Acme"),
    QboCustomer("2", "Website", parent_id="1"),
    QboCustomer("3", "Phase 1", parent_id="2", is_project=True),
    QboCustomer("4", "Design", parent_id="3"),
    QboCustomer("6", "Support", parent_id="1", is_project=True),
    QboCustomer("7", "Walk-in"),
]


def test_five_level_tree_roles():
    plan = plan_customer_tree(FIVE_LEVELS)
    summary = {
        qbo_id: (item.roles, item.client_qbo_id, item.level, item.fully_qualified_name)
        for qbo_id, item in plan.customers.items()
    }
    assert summary == {
        # Has sub-customers, no parent: a client only.
        "1": ((CLIENT,), None, 0, "Acme"),
        # In the middle: a client and a project of the same name.
        "2": ((CLIENT, PROJECT), "1", 1, "Acme:Website"),
        "3": ((CLIENT, PROJECT), "2", 2, "Acme:Website:Phase 1"),
        "4": ((CLIENT, PROJECT), "3", 3, "Acme:Website:Phase 1:Design"),
        # No sub-customers: a project of the nearest ancestor's client.
        "5": ((PROJECT,), "4", 4, "Acme:Website:Phase 1:Design:Logo"),
        "6": ((PROJECT,), "1", 1, "Acme:Support"),
        # No sub-customers and no parent: a project without client.
        "7": ((PROJECT,), None, 0, "Walk-in"),
    }
    assert plan.report == ()
    assert plan.skipped_ids == frozenset()


def test_top_level_customers_whatever_their_role():
    plan = plan_customer_tree([*FIVE_LEVELS, QboCustomer("8", "Gone", active=False)])
    top_level = {qbo_id for qbo_id, item in plan.customers.items() if item.top_level}
    # A client (Acme), a project (Walk-in), an inactive one: time may go to each.
    assert top_level == {"1", "7", "8"}


def test_parents_come_before_children():
    plan = plan_customer_tree(FIVE_LEVELS)
    seen = set()
    for item in plan.customers.values():
        assert item.parent_id is None or item.parent_id in seen
        seen.add(item.qbo_id)


def test_qbo_projects_follow_the_same_rule():
    plan = plan_customer_tree(FIVE_LEVELS)
    assert plan.customers["3"].qbo_is_project
    assert plan.customers["3"].as_client and plan.customers["3"].as_project
    assert plan.customers["6"].qbo_is_project
    assert plan.customers["6"].roles == (PROJECT,)
    assert not plan.customers["2"].qbo_is_project


def test_fully_qualified_name_comes_from_the_tree():
    customers = [
        QboCustomer("1", "Acme Inc", fully_qualified_name="Acme"),
        QboCustomer("2", "Web", parent_id="1", fully_qualified_name="stale:Web"),
    ]
    plan = plan_customer_tree(customers)
    assert plan.customers["2"].fully_qualified_name == "Acme Inc:Web"


def test_only_active_children_count():
    customers = [
        # Active, but its only sub-customer is inactive: a project again.
        QboCustomer("1", "Beta"),
        QboCustomer("2", "Old job", parent_id="1", active=False),
        # Inactive, with an active sub-customer: still a client.
        QboCustomer("3", "Gamma", active=False),
        QboCustomer("4", "Live job", parent_id="3"),
        # Inactive with inactive sub-customers: all projects, all inactive.
        QboCustomer("5", "Delta", active=False),
        QboCustomer("6", "Delta job", parent_id="5", active=False),
    ]
    plan = plan_customer_tree(customers)
    roles = {qbo_id: (item.roles, item.client_qbo_id) for qbo_id, item in plan.customers.items()}
    assert roles == {
        "1": ((PROJECT,), None),
        "2": ((PROJECT,), None),
        "3": ((CLIENT,), None),
        "4": ((PROJECT,), "3"),
        "5": ((PROJECT,), None),
        "6": ((PROJECT,), None),
    }
    assert {qbo_id: item.active for qbo_id, item in plan.customers.items()} == {
        "1": True,
        "2": False,
        "3": False,
        "4": True,
        "5": False,
        "6": False,
    }


def test_inactive_leaf_keeps_the_nearest_client_above_it():
    customers = [
        QboCustomer("1", "Acme"),
        QboCustomer("2", "Website", parent_id="1"),
        QboCustomer("3", "Old phase", parent_id="2", active=False),
    ]
    plan = plan_customer_tree(customers)
    # "Website" lost its only active sub-customer; "Acme" is the nearest client.
    assert plan.customers["2"].roles == (PROJECT,)
    assert plan.customers["3"].client_qbo_id == "1"


def test_missing_parent_is_left_out_with_its_children():
    customers = [
        QboCustomer("1", "Acme"),
        QboCustomer("20", "Orphan", parent_id="99", fully_qualified_name="Gone:Orphan"),
        QboCustomer("21", "Orphan job", parent_id="20"),
    ]
    plan = plan_customer_tree(customers)
    assert list(plan.customers) == ["1"]
    assert plan.skipped_ids == {"20", "21"}
    assert [(p.code, p.qbo_id) for p in plan.report] == [
        ("missing_parent", "20"),
        ("broken_ancestor", "21"),
    ]
    assert plan.report[0].message == (
        "The QuickBooks customer 'Gone:Orphan' refers to a parent customer (id 99) that "
        "QuickBooks did not return: it was left out of this resync."
    )
    assert "its parent customer 'Orphan' was left out" in plan.report[1].message


def test_cycles_are_left_out():
    customers = [
        QboCustomer("30", "Chicken", parent_id="31"),
        QboCustomer("31", "Egg", parent_id="30"),
        QboCustomer("32", "Omelette", parent_id="31"),
        QboCustomer("40", "Ouroboros", parent_id="40"),
        QboCustomer("1", "Acme"),
    ]
    plan = plan_customer_tree(customers)
    assert list(plan.customers) == ["1"]
    assert [(p.code, p.qbo_id) for p in plan.report] == [
        ("cycle", "30"),
        ("cycle", "31"),
        ("broken_ancestor", "32"),
        ("cycle", "40"),
    ]
    assert "'Ouroboros' is its own ancestor" in plan.report[3].message


def test_deeper_than_five_levels_is_left_out():
    customers = [QboCustomer("L0", "Level 0")]
    customers += [QboCustomer(f"L{n}", f"Level {n}", parent_id=f"L{n - 1}") for n in range(1, 7)]
    plan = plan_customer_tree(customers)
    assert list(plan.customers) == ["L0", "L1", "L2", "L3", "L4"]
    # Level 4 lost its (left out) child: it is a plain project now.
    assert plan.customers["L4"].roles == (PROJECT,)
    assert [(p.code, p.qbo_id) for p in plan.report] == [
        ("too_deep", "L5"),
        ("broken_ancestor", "L6"),
    ]
    assert plan.report[0].message == (
        "The QuickBooks customer 'Level 5' is nested deeper than 5 levels: it was left out "
        "of this resync; move it higher in QuickBooks."
    )


@st.composite
def forests(draw):
    """Random valid customer forests, at most five levels deep."""
    count = draw(st.integers(min_value=1, max_value=25))
    customers = []
    levels = {}
    for index in range(count):
        qbo_id = str(index + 1)
        parents = [c.qbo_id for c in customers if levels[c.qbo_id] < 4]
        parent_id = draw(st.sampled_from([None, *parents]))
        levels[qbo_id] = 0 if parent_id is None else levels[parent_id] + 1
        customers.append(
            QboCustomer(
                qbo_id,
                draw(st.sampled_from(["Acme", "acme", "Web", "Design", "Support"])),
                parent_id=parent_id,
                active=draw(st.booleans()),
                is_project=parent_id is not None and draw(st.booleans()),
            )
        )
    return draw(st.permutations(customers))


@settings(max_examples=150, deadline=None, database=None)
@given(forests())
def test_roles_follow_the_rule_on_any_forest(customers):
    plan = plan_customer_tree(customers)
    assert plan.report == ()
    assert set(plan.customers) == {c.qbo_id for c in customers}
    by_id = {c.qbo_id: c for c in customers}
    for item in plan.customers.values():
        has_active_children = any(c.parent_id == item.qbo_id and c.active for c in customers)
        assert item.as_client == has_active_children
        assert item.as_project == (not has_active_children or item.parent_id is not None)
        if item.as_project:
            # The owner is the nearest ancestor that is a client.
            ancestor = by_id.get(item.parent_id)
            while ancestor and not plan.customers[ancestor.qbo_id].as_client:
                ancestor = by_id.get(ancestor.parent_id)
            assert item.client_qbo_id == (ancestor.qbo_id if ancestor else None)
            if item.active and item.parent_id:
                assert item.client_qbo_id == item.parent_id
        assert item.level == item.fully_qualified_name.count(":")


@pytest.mark.parametrize("count", [0, 1])
def test_small_inputs(count):
    plan = plan_customer_tree(FIVE_LEVELS[1:2] * count)
    assert len(plan.customers) == count
