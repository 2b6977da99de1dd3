"""The reproducible control split: a hash of (seed, customer id), the same in SQL and Python.

Members are ranked by ``split_hash(seed, customer_id)`` (ties by id) and the first
``round(n * control_percent / 100)`` go to control: the same campaign (seed) over the
same members always yields the same split, the control size is exact, and which
customers land in control looks random because the hash is non-linear in the id.

The hash is integer arithmetic modulo the Mersenne prime 2^31 - 1 (no intermediate
reaches 2^63, so SQLite's and PostgreSQL's 64-bit integers compute it exactly):

    x = (id * 48271 + seed') mod p
    h = ((x * x mod p) * 40692 + x) mod p        with seed' = seed mod p
"""

from __future__ import annotations

P = 2_147_483_647
A = 48_271
B = 40_692


def split_hash(*, seed: int, customer_id: int) -> int:
    """Return the rank key of a customer in a campaign's control split."""
    x = ((customer_id % P) * A + seed % P) % P
    return ((x * x % P) * B + x) % P


def split_hash_sql(column: str, seed: int) -> str:
    """Return the SQL expression of ``split_hash`` over an integer ``column``.

    ``seed`` is an int we reduce ourselves and format into the SQL (no user text). The
    modulo is written ``%%``: the expression goes into a statement executed with
    parameters, where a lone ``%`` would be read as a placeholder.
    """
    s = int(seed) % P
    x = f"((CAST({column} AS BIGINT) %% {P}) * {A} + {s}) %% {P}"
    return f"(((({x}) * ({x})) %% {P}) * {B} + ({x})) %% {P}"


def control_size(*, members: int, control_percent: int) -> int:
    """Return how many of ``members`` go to control: round half up of the percentage."""
    return (members * control_percent * 2 + 100) // 200
