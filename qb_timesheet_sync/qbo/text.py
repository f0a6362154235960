# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Sentences for people, translatable without importing Odoo.

This package speaks English: a refusal reason, a matching report line or an
error message is a :class:`Text`, a ``str`` that reads as the English
sentence wherever a string is expected (logs, tests, exceptions) and that
also keeps its English template and parameters, so that the Odoo side can
show it in the user's language (``qbo_text(env, value)`` in the addon's
models renders it with ``env._``).

Sentences are written with :func:`_lt`, the marker Odoo's translation export
(``--i18n-export``) collects from every Python file of the addon, this
package included::

    _lt("The project %(project)s is not linked to QuickBooks.", project=name)

An amount of money or a date in a sentence is a :class:`Money` or a
:class:`Day`: kept as a value, it is written as the reader's language writes
it when the sentence is shown (``formats`` of :func:`render`).
"""

import datetime


class Text(str):
    """An English sentence that remembers how to be translated."""

    template: str
    params: dict

    def __new__(cls, template, /, **params):
        english = template % params if params else template
        text = super().__new__(cls, english)
        text.template = template
        text.params = params
        return text

    def __reduce__(self):
        return (_rebuild, (self.template, self.params))


def _rebuild(template, params):
    return Text(template, **params)


class Value:
    """A value of a sentence that each language writes its own way: shown by
    the function ``formats[kind]`` of :func:`render`, else as :meth:`english`."""

    kind = None
    __slots__ = ()

    def english(self):
        raise NotImplementedError

    def to_data(self):
        raise NotImplementedError

    def _key(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __str__(self):
        return self.english()

    def __repr__(self):
        return f"{type(self).__name__}{self._key()!r}"

    def __eq__(self, other):
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self):
        return hash((type(self), self._key()))


class Money(Value):
    """An amount in a currency (its ISO 4217 code, as Odoo names
    currencies): ``1,234.50 USD`` in English words."""

    kind = "money"
    __slots__ = ("amount", "currency")

    def __init__(self, amount, currency):
        self.amount = round(float(amount), 6)
        self.currency = currency

    def english(self):
        return f"{self.amount:,.2f} {self.currency}"

    def to_data(self):
        return {"money": self.amount, "currency": self.currency}


class Day(Value):
    """A date: ``2026-03-02`` in English words."""

    kind = "date"
    __slots__ = ("date",)

    def __init__(self, date):
        if isinstance(date, datetime.datetime):
            date = date.date()
        self.date = date if isinstance(date, datetime.date) else datetime.date.fromisoformat(date)

    def english(self):
        return self.date.isoformat()

    def to_data(self):
        return {"date": self.date.isoformat()}


def _value_from_data(data):
    """The :class:`Value` of ``data`` (see :meth:`Value.to_data`), else None."""
    if "money" in data and isinstance(data.get("currency"), str):
        return Money(data["money"], data["currency"])
    if isinstance(data.get("date"), str):
        return Day(data["date"])
    return None


def _lt(template, /, **params):
    """Mark ``template`` for translation; returns the :class:`Text`."""
    return Text(template, **params)


def render(value, gettext, formats=None):
    """``value`` in the language of ``gettext`` (Odoo's ``env._``): a
    :class:`Text` is translated, its parameters too; a :class:`Value` is
    written by ``formats[value.kind]`` (functions of the reader's language:
    amounts, dates), else in English; an error of this package gives its
    message; anything else is returned as it is."""
    if isinstance(value, Exception) and isinstance(getattr(value, "message", None), str):
        value = value.message
    if isinstance(value, Value):
        write = (formats or {}).get(value.kind)
        return write(value) if write else value.english()
    if not isinstance(value, Text):
        return value
    params = {name: render(param, gettext, formats) for name, param in value.params.items()}
    return gettext(value.template, **params)


def _english(template, /, **params):
    return template % params if params else template


def in_english(value):
    """``value`` in English (:func:`render` without translation)."""
    return render(value, _english)


def to_data(value):
    """``value`` as JSON, to store it and render it when read (see
    :func:`from_data`): a :class:`Text` keeps its English template and its
    parameters, those that are sentences too; an error of this package keeps
    its message; an amount or a date (:class:`Value`) keeps its value;
    anything else is ``None`` (nothing to translate)."""
    if isinstance(value, Exception) and isinstance(getattr(value, "message", None), str):
        value = value.message
    if not isinstance(value, Text):
        return None
    params = {}
    for name, param in value.params.items():
        data = param.to_data() if isinstance(param, Value) else to_data(param)
        if data is not None:
            params[name] = data
        elif isinstance(param, (str, int, float, bool)) or param is None:
            params[name] = param
        else:
            params[name] = str(param)
    return {"text": value.template, "params": params}


def from_data(data):
    """The :class:`Text` that :func:`to_data` stored (``None`` for none)."""
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return None
    params = {}
    for name, param in (data.get("params") or {}).items():
        if isinstance(param, dict):
            param = from_data(param) or _value_from_data(param)
        params[name] = param
    return Text(data["text"], **params)


def counted(count, one, many, /, **params):
    """The sentence for ``count`` things: ``one`` when it is 1, else
    ``many`` (both :func:`_lt` templates that take ``%(count)s``)."""
    return Text(one if count == 1 else many, count=count, **params)


def joined(*parts, separator=" "):
    """Sentences (or words) one after the other, each translated on its own."""
    parts = [part for part in parts if part]
    template = separator.join(f"%(part{index})s" for index in range(len(parts)))
    return Text(template, **{f"part{index}": part for index, part in enumerate(parts)})
