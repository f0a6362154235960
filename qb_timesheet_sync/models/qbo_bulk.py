# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rows that a whole selection gives at once, written in one SQL query.

The ORM inserts 100 rows a query and links many2many rows 100 a query, so a
preview or a send of 100,000 timesheet lines would spend thousands of
queries on its detail rows alone (issue 12). These two helpers write them in
one query whatever their number. They are for rows with no business logic
of their own (the detail lines of a sync log, the rows of a preview): no
``create()`` override, no default and no computed value runs, so the caller
gives every value, stored related fields included."""

from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL


def insert_rows(model, vals_list):
    """Create records of ``model`` from ``vals_list`` in one INSERT and
    return them. Every stored computed field must be given."""
    if not vals_list:
        return model.browse()
    env = model.env
    names = sorted({name for vals in vals_list for name in vals})
    fields = [model._fields[name] for name in names]
    for field in fields:
        assert field.store and field.column_type and not field.translate, field
    missing = [
        name
        for name, field in model._fields.items()
        if field.store and field.compute and name not in names and name not in LOG_ACCESS_COLUMNS
    ]
    assert not missing, f"{model._name}: give {missing}"
    columns = [
        SQL(
            f"%s::{field.column_type[1]}[]",
            [
                field.convert_to_column_insert(vals.get(field.name), model, vals)
                for vals in vals_list
            ],
        )
        for field in fields
    ]
    if model._log_access:
        now = env.cr.now()
        for name, value in (
            ("create_uid", env.uid),
            ("create_date", now),
            ("write_uid", env.uid),
            ("write_date", now),
        ):
            names.append(name)
            columns.append(
                SQL(f"%s::{model._fields[name].column_type[1]}[]", [value] * len(vals_list))
            )
    env.flush_all()
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT * FROM unnest(%s) RETURNING id",
            SQL.identifier(model._table),
            SQL(", ").join(map(SQL.identifier, names)),
            SQL(", ").join(columns),
        )
    )
    records = model.browse(sorted(row[0] for row in env.cr.fetchall()))
    _invalidate_inverses(model, fields)
    return records


def link_many2many(record, field_name, ids):
    """Add ``ids`` to the many2many ``field_name`` of ``record`` in one query."""
    field = record._fields[field_name]
    record.env.flush_all()
    record.env.cr.execute(
        SQL(
            "INSERT INTO %s (%s, %s) SELECT %s, unnest(%s::int4[]) ON CONFLICT DO NOTHING",
            SQL.identifier(field.relation),
            SQL.identifier(field.column1),
            SQL.identifier(field.column2),
            record.id,
            list(ids),
        )
    )
    record.invalidate_recordset([field_name])


def update_rows(records, vals):
    """Write the same ``vals`` (plain stored columns) on ``records`` in one
    UPDATE; the ORM writes 100 rows a query. Fields computed from them must
    not be stored: they are only invalidated."""
    env = records.env
    fields = [records._fields[name] for name in vals]
    for field in fields:
        assert field.store and field.column_type and not field.translate, field
    records.flush_recordset()
    assignments = [
        SQL(
            "%s = %s",
            SQL.identifier(field.name),
            field.convert_to_column_update(
                field.convert_to_cache(vals[field.name], records), records
            ),
        )
        for field in fields
    ]
    if records._log_access:
        assignments += [SQL("write_uid = %s", env.uid), SQL("write_date = %s", env.cr.now())]
    env.cr.execute(
        SQL(
            "UPDATE %s SET %s WHERE id = ANY(%s)",
            SQL.identifier(records._table),
            SQL(", ").join(assignments),
            list(records.ids),
        )
    )
    names = [*vals, "write_uid", "write_date"] if records._log_access else [*vals]
    records.invalidate_recordset(names)
    records.modified(list(vals))
    _invalidate_inverses(records, fields)


def _invalidate_inverses(model, fields):
    """The one2many fields that list rows by these many2one fields (a log's
    line_ids, ...) are stale after a write in SQL."""
    for field in fields:
        if field.type != "many2one":
            continue
        comodel = model.env[field.comodel_name]
        stale = [
            name
            for name, inverse in comodel._fields.items()
            if inverse.type == "one2many"
            and inverse.comodel_name == model._name
            and inverse.inverse_name == field.name
        ]
        if stale:
            comodel.invalidate_model(stale)
