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
"""


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


def _lt(template, /, **params):
    """Mark ``template`` for translation; returns the :class:`Text`."""
    return Text(template, **params)


def render(value, gettext):
    """``value`` in the language of ``gettext`` (Odoo's ``env._``): a
    :class:`Text` is translated, its parameters too; an error of this package
    gives its message; anything else is returned as it is."""
    if isinstance(value, Exception) and isinstance(getattr(value, "message", None), str):
        value = value.message
    if not isinstance(value, Text):
        return value
    params = {name: render(param, gettext) for name, param in value.params.items()}
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
    its message; anything else is ``None`` (nothing to translate)."""
    if isinstance(value, Exception) and isinstance(getattr(value, "message", None), str):
        value = value.message
    if not isinstance(value, Text):
        return None
    params = {}
    for name, param in value.params.items():
        data = to_data(param)
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
        params[name] = from_data(param) if isinstance(param, dict) else param
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
