# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The sentences of ``qbo/text.py`` shown in the language of an Odoo
environment: translated, with their amounts and dates written as that
language writes them."""

from odoo.tools import format_amount, format_date

from ..qbo.text import render


def value_formats(env):
    """How the language of ``env`` writes the values of sentences (the
    ``formats`` of ``qbo.text.render``): an amount with its currency's symbol
    and decimals, a date in the language's date format."""
    currencies = {}

    def money(value):
        if value.currency not in currencies:
            currencies[value.currency] = (
                env["res.currency"]
                .sudo()
                .with_context(active_test=False)
                .search([("name", "=", value.currency)], limit=1)
            )
        currency = currencies[value.currency]
        return format_amount(env, value.amount, currency) if currency else value.english()

    return {"money": money, "date": lambda value: format_date(env, value.date)}


def rendered(value, env, formats=None):
    """``value`` (a sentence, an error, words) in the language of ``env``."""
    return render(value, env._, formats or value_formats(env))
