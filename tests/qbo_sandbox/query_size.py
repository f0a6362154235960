"""Query size limits Intuit does not document, switched on by ``SandboxConfig``
(``max_query_in_ids``, ``max_query_chars``; 0 is no limit, the default).

Intuit documents no limit on the ids of an ``IN`` list nor on the text of a
query; a client that keeps its queries small must keep working when a limit
exists (docs/ASSUMPTIONS.md#id-in-query-size). UNSURE which fault QuickBooks
would answer: the query validation fault (4001) stands for it.
"""

import re

from . import faults

_IN_LIST = re.compile(r"\bIN\s*\(([^)]*)\)", re.IGNORECASE)


def check(config, text):
    """Refuse ``text`` when it exceeds a limit of ``config`` (None: none)."""
    if config is None:
        return
    if config.max_query_chars and len(text) > config.max_query_chars:
        raise faults.query_invalid(
            f"The query is {len(text)} characters long; at most {config.max_query_chars}."
        )
    if config.max_query_in_ids:
        for values in _IN_LIST.findall(text):
            count = len([value for value in values.split(",") if value.strip()])
            if count > config.max_query_in_ids:
                raise faults.query_invalid(
                    f"The IN list has {count} values; at most {config.max_query_in_ids}."
                )
