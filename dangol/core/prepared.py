"""Querysets compiled to SQL once per connection, then re-run with new parameters.

Django compiles a queryset to SQL on every evaluation. For the pages under load that was
the largest single share of their CPU (docs/performance.md, "Per-request CPU"): the 360
page's customer with its group, owner, team and company costs ~1.4 ms to compile and
~0.3 ms to run. ``PreparedQuery`` wraps a function that builds a queryset from plain
arguments (ints, strings, datetimes and lists of ints bound as one array; usually ids).
The first call per connection builds and compiles it twice, with the real arguments and
with different ones, and keeps the SQL only if the two compile to the same text with the
arguments, and nothing else, in the parameters. Later calls reuse that SQL and Django's
compiled column map with the new arguments; rows become model instances through Django's
own iterables, so ``select_related``, annotations and ``values()`` work as usual. Anything
else (``None``, an ``__in`` list, a value Django rewrites such as a ``LIKE`` pattern) is
built and compiled as before, so the result never differs, only the cost.

A call returns the rows as a list; the builder's queryset must be complete (sliced and
ordered as wanted: ``[:1]`` rather than ``first()``).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

_MISSING = object()
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_UNPREPARABLE = object()


def _other(value: Any, position: int) -> Any:
    """Return a value of the same type as ``value`` that differs from it (and the others)."""
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int):
        # Django decides some things by an integer's value (one out of the column's range
        # matches nothing, without a query): only ints of the narrowest integer column
        # are prepared, and the stand-in stays in that range too.
        if not _INT_MIN <= value <= _INT_MAX:
            return _MISSING
        step = 7919 * (position + 1)
        return value + step if value + step <= _INT_MAX else value - step
    if isinstance(value, str):
        return f"{value}\x1f{position}"
    if isinstance(value, list) and all(type(v) is int for v in value):
        # One array parameter (``= ANY(%s)``); a longer stand-in, so that ``__in``, which
        # writes a placeholder per item, compiles to other SQL and is never prepared.
        return [*(v + 1 for v in value), position]
    if isinstance(value, dt.datetime):  # passed as is on PostgreSQL (as a string on SQLite)
        return value + dt.timedelta(seconds=7919 * (position + 1))
    return _MISSING


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


class _Prepared:
    __slots__ = ("compiler", "params", "queryset", "sql")

    def __init__(self, queryset: QuerySet, compiler, sql: str, params: list) -> None:
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        # Each parameter: ("arg", index) or ("const", value).
        self.params = params


class PreparedQuery:
    """Call ``build(*args)`` for a queryset; compile its SQL once per connection.

    Calling returns the queryset's rows as a list (model instances, or what ``values()``
    makes): the prepared queryset itself never escapes, so it cannot be filtered further.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build

    def __call__(self, *args: Any) -> list:
        """Return ``list(build(*args))``, run with the prepared SQL when it can be."""
        others = [_other(a, i) for i, a in enumerate(args)]
        if any(o is _MISSING for o in others):
            return list(self.build(*args))
        # Connections are per thread, so is this cache: no locking needed.
        cache = connections[DEFAULT_DB_ALIAS].__dict__.setdefault("_dangol_prepared", {})
        key = (self, tuple(type(a) for a in args))
        prepared = cache.get(key)
        if prepared is None:
            queryset = self.build(*args)
            prepared = cache[key] = self._prepare(queryset, others, args)
            return list(queryset)
        if prepared is _UNPREPARABLE:
            return list(self.build(*args))
        params = tuple(args[value] if kind == "arg" else value for kind, value in prepared.params)
        compiler = copy.copy(prepared.compiler)
        sql = prepared.sql
        compiler.as_sql = lambda *a, **k: (sql, params)
        run = prepared.queryset._chain()
        run.query.get_compiler = lambda *a, **k: compiler
        return list(run)

    def _prepare(self, queryset: QuerySet, others: list, args: tuple) -> _Prepared | object:
        if queryset.db != DEFAULT_DB_ALIAS:
            return _UNPREPARABLE
        prototype = queryset._chain()  # kept unevaluated; each run is a clone of it
        compiler = prototype.query.get_compiler(using=DEFAULT_DB_ALIAS)
        other = self.build(*others)
        try:
            sql, params = compiler.as_sql()
            other_sql, other_params = other.query.get_compiler(using=other.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            return _UNPREPARABLE
        if sql != other_sql or len(params) != len(other_params):
            return _UNPREPARABLE
        mapping: list[tuple[str, Any]] = []
        for mine, theirs in zip(params, other_params, strict=True):
            if _same(mine, theirs):
                mapping.append(("const", mine))
                continue
            index = next(
                (
                    i
                    for i, (a, o) in enumerate(zip(args, others, strict=True))
                    if _same(a, mine) and _same(o, theirs)
                ),
                None,
            )
            if index is None:
                return _UNPREPARABLE
            mapping.append(("arg", index))
        if sorted({i for kind, i in mapping if kind == "arg"}) != list(range(len(args))):
            return _UNPREPARABLE  # an argument that is not a parameter changed the SQL text
        return _Prepared(prototype, compiler, sql, mapping)
