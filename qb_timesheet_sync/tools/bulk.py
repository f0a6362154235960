# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Rows that a whole selection gives at once, written in one SQL query.

The ORM inserts and updates 100 rows a query, so a preview or a send of
100,000 timesheet lines would spend thousands of queries on its detail rows
and states alone. These helpers write them in one query whatever
their number. No ``create()`` or ``write()`` override, no default and no
stored computed value runs: :func:`insert_rows` is for rows with no business
logic of their own (the detail lines of a sync log, the rows of a preview),
and the caller gives every value, stored related fields included;
:func:`update_rows` is for the QuickBooks state of timesheet lines, which
only the addon writes (``_qbo_write_state``), and :func:`update_rows_each`
for the values of each line of a batch request's answers
(``_qbo_write_states``)."""

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
            "%s::%s[]",
            [
                field.convert_to_column_insert(vals.get(field.name), model, vals)
                for vals in vals_list
            ],
            _column_type(field),
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
                SQL("%s::%s[]", [value] * len(vals_list), _column_type(model._fields[name]))
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


def update_rows_each(records, vals_list):
    """Write ``vals_list[i]`` (plain stored columns) on ``records[i]``, in one
    UPDATE for up to 100 records with the same fields, as the ORM flushes
    its writes; no ``write()`` override runs. As :func:`update_rows`, fields
    computed from them must not be stored: they are only invalidated."""
    assert len(records) == len(vals_list)
    if not records:
        return
    names = list(dict.fromkeys(name for vals in vals_list for name in vals))
    fields = [records._fields[name] for name in names]
    for field in fields:
        assert field.store and field.column_type and not field.translate, field
    # A value still waiting in the cache would overwrite the new one.
    records.flush_recordset(names)
    # What depends on a record through a many2one changes with it (as in ``write()``).
    relational = [field.name for field in fields if field.relational]
    if relational:
        records.modified(relational, before=True)
    # An amount is rounded to its record's currency: read it for all the
    # records read together (the ORM would read it once per record).
    by_record = set()  # the fields whose value is converted record by record
    for field in fields:
        if field.type == "monetary":
            currency = field.get_currency_field(records)
            next(iter(records.with_context(prefetch_fields=False)))[currency]
            if len({record[currency].id for record in records}) > 1:
                by_record.add(field.name)
    column = _ColumnValues(by_record)
    records._write_multi(
        [
            {name: column(records._fields[name], value, record) for name, value in vals.items()}
            for record, vals in zip(records, vals_list, strict=True)
        ]
    )
    log_names = ["write_uid", "write_date"] if records._log_access else []
    records.invalidate_recordset([*names, *log_names])
    records.modified(names)
    _invalidate_inverses(records, fields)


class _ColumnValues:
    """Values converted as ``write()`` converts them (a selection checked, an
    amount rounded to its record's currency, a record as its id), a value
    given to several records once: most of a batch's values are the same for
    every line (its state, its company, False, its hourly rate when the lines
    have one currency)."""

    def __init__(self, by_record=()):
        self._converted = {}
        self._by_record = by_record  # names of fields converted record by record

    def __call__(self, field, value, record):
        if field.name in self._by_record:
            return self._convert(field, value, record)
        try:
            key = (field.name, type(value), value)
            return self._converted[key]
        except TypeError:  # not hashable (a dict of a JSON field)
            return self._convert(field, value, record)
        except KeyError:
            converted = self._converted[key] = self._convert(field, value, record)
            return converted

    @staticmethod
    def _convert(field, value, record):
        if field.type == "json":
            # The same column value, without two copies of the value.
            return field.convert_to_column(value, record)
        return field.convert_to_column_update(field.convert_to_cache(value, record), record)


def _column_type(field):
    """The SQL type of ``field``'s column, as Odoo declares it (a field
    class's own constant, never a value from the user)."""
    return SQL(field.column_type[1])


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
