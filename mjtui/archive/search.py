"""User text -> an FTS5 query that can never be a syntax error.

Every whitespace-separated term becomes a quoted prefix phrase (`"lighthouse"*`), so FTS5
operators and punctuation typed by the user (`AND`, `"`, `*`, `-`, `:`, `(`) are plain text.
A term without a letter or digit has nothing FTS5 can index and is left out.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w")


def terms(text: str) -> list[str]:
    """The searchable terms of what the user typed, in order, casefolded."""
    return [term.casefold() for term in text.split() if _WORD.search(term)]


def fts_query(text: str) -> str:
    """The FTS5 MATCH expression for `text` ("" when nothing in it is searchable)."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms(text))


def matches(text: str, *fields: str) -> bool:
    """The same search over text in memory (the session's tasks): every term appears in
    one of the fields, ignoring case. Empty text matches everything."""
    wanted = terms(text)
    haystack = "\n".join(fields).casefold()
    return all(term in haystack for term in wanted)
