"""Compute cross-sell and up-sell recommendations and evaluate them on a time split.

Pure computation, no Django: every function works on a DuckDB connection holding two
tables, filled by ``recommend.data`` from the warehouse (or by a test from hand-made rows):

- ``tx(customer_id BIGINT, product_id BIGINT, order_id BIGINT, order_date DATE)``: valid
  purchases, one row per order line;
- ``product(product_id BIGINT, category VARCHAR, price DOUBLE, margin DOUBLE,
  active BOOLEAN)``: the catalogue; only active products are recommended.

Three cross-sell methods, each returning the top-N products a customer does not own yet:

- ``popularity``: products bought by the most customers (the baseline);
- ``rules``: pair association rules ``a => c`` mined from the orders with the Apriori miner
  of ``crosssell.rules``; a customer's score for ``c`` is the highest confidence of a rule
  whose antecedent they own (a set-based join in DuckDB);
- ``cosine``: item-to-item cosine similarity of the customer x product purchase matrix
  (scipy sparse), a customer's score for ``c`` the sum of its similarities to what they
  own; scored in blocks of customers as sparse-dense products, never row by row.

Up-sell: in each category a customer buys, active products they do not own priced above
the highest price (or with a unit margin above the highest margin) they bought there,
scored by the share of the category's buyers who bought the product.

Ties are broken by product id (ascending) everywhere, so results are exact and repeatable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse

from dangol.analytics.crosssell.rules import baskets_mine

METHODS = ("popularity", "rules", "cosine")
# Dense score blocks are kept near this many cells (8 bytes each: about 160 MB).
_BLOCK_CELLS = 20_000_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RecommendSettings:
    """The knobs of one recommendation run."""

    top_n: int = 10
    method: str = "cosine"
    rule_min_support: float = 0.0001
    rule_min_confidence: float = 0.01


@dataclass
class Matrix:
    """The customer x product purchase matrix (1 = bought at least once) and its indexes."""

    customers: np.ndarray  # customer ids, row order
    products: np.ndarray  # product ids, column order (ascending)
    x: sparse.csr_matrix
    recommendable: np.ndarray  # bool per column: an active product
    _col: dict[int, int] = field(default_factory=dict)

    def rows_for(self, customer_ids: np.ndarray) -> np.ndarray:
        """Return the row index of each of ``customer_ids`` (all must be in the matrix)."""
        order = np.argsort(self.customers)
        pos = np.searchsorted(self.customers, customer_ids, sorter=order)
        return order[pos]


def purchase_matrix(con: duckdb.DuckDBPyConnection, *, before: dt.date | None = None) -> Matrix:
    """Return the purchase matrix of ``tx`` (only orders before ``before`` if given)."""
    where, params = ("WHERE order_date < ?", [before]) if before else ("", [])
    pairs = con.execute(
        f"SELECT DISTINCT customer_id, product_id FROM tx {where}", params
    ).fetchnumpy()
    products = con.execute(
        "SELECT product_id, active FROM product ORDER BY product_id"
    ).fetchnumpy()
    product_ids = np.asarray(products["product_id"], dtype=np.int64)
    cust = np.asarray(pairs["customer_id"], dtype=np.int64)
    prod = np.asarray(pairs["product_id"], dtype=np.int64)
    known = np.isin(prod, product_ids)
    cust, prod = cust[known], prod[known]
    customers, rows = np.unique(cust, return_inverse=True)
    cols = np.searchsorted(product_ids, prod)
    x = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)),
        shape=(len(customers), len(product_ids)),
    )
    return Matrix(
        customers=customers,
        products=product_ids,
        x=x,
        recommendable=np.asarray(products["active"], dtype=bool),
    )


def cosine_similarity(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the item x item cosine similarity of binary ``x``, diagonal zeroed."""
    co = (x.T @ x).tocsr()  # co[i, j] = customers who bought both i and j
    norms = np.sqrt(co.diagonal())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    sim = sparse.diags(inv) @ co @ sparse.diags(inv)
    sim = sim.tocsr()
    sim.setdiag(0.0)
    sim.eliminate_zeros()
    return sim


def _top_from_scores(
    scores: np.ndarray, *, owned: sparse.csr_matrix, recommendable: np.ndarray, top_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, column, score) of each row's top-N positive, unowned, allowed scores."""
    scores = scores.copy()
    scores[:, ~recommendable] = 0.0
    r, c = owned.nonzero()
    scores[r, c] = 0.0
    # Stable sort of the negated scores: equal scores keep column (product id) order.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top_n]
    picked = np.take_along_axis(scores, order, axis=1)
    rows = np.repeat(np.arange(scores.shape[0]), order.shape[1])
    keep = picked.ravel() > 0
    return rows[keep], order.ravel()[keep], picked.ravel()[keep]


def _ranked_frame(
    matrix: Matrix, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": matrix.customers[rows],
            "product_id": matrix.products[cols],
            "score": scores.astype(np.float64),
        }
    )
    frame["rank"] = frame.groupby("customer_id", sort=False).cumcount() + 1
    return frame


def _blocks(n_rows: int, n_cols: int) -> Sequence[tuple[int, int]]:
    size = max(1, _BLOCK_CELLS // max(1, n_cols))
    return [(start, min(n_rows, start + size)) for start in range(0, n_rows, size)]


def matrix_top_n(
    matrix: Matrix,
    *,
    item_scores: Callable[[sparse.csr_matrix], np.ndarray],
    rows: np.ndarray | None = None,
    top_n: int,
) -> pd.DataFrame:
    """Return ``customer_id, product_id, score, rank`` from a block scoring function.

    ``item_scores`` maps a block of the purchase matrix to dense scores (block x products).
    ``rows`` limits the customers scored (all by default).
    """
    rows = np.arange(matrix.x.shape[0]) if rows is None else rows
    parts = []
    for start, stop in _blocks(len(rows), matrix.x.shape[1]):
        block = matrix.x[rows[start:stop]]
        r, c, s = _top_from_scores(
            np.asarray(item_scores(block), dtype=np.float64),
            owned=block,
            recommendable=matrix.recommendable,
            top_n=top_n,
        )
        parts.append(_ranked_frame(matrix, rows[start:stop][r], c, s))
    if not parts:
        return pd.DataFrame(columns=["customer_id", "product_id", "score", "rank"])
    return pd.concat(parts, ignore_index=True)


def popularity_top_n(matrix: Matrix, *, rows: np.ndarray | None = None, top_n: int) -> pd.DataFrame:
    """Recommend the products most customers bought (share of customers as the score)."""
    share = np.asarray(matrix.x.sum(axis=0)).ravel() / max(1, matrix.x.shape[0])
    return matrix_top_n(
        matrix,
        item_scores=lambda block: np.broadcast_to(share, (block.shape[0], share.size)),
        rows=rows,
        top_n=top_n,
    )


def cosine_top_n(matrix: Matrix, *, rows: np.ndarray | None = None, top_n: int) -> pd.DataFrame:
    """Recommend by item-to-item cosine similarity summed over what the customer owns."""
    sim = cosine_similarity(matrix.x)
    return matrix_top_n(
        matrix, item_scores=lambda block: (block @ sim).toarray(), rows=rows, top_n=top_n
    )


def pair_rules(
    con: duckdb.DuckDBPyConnection,
    *,
    before: dt.date | None,
    min_support: float,
    min_confidence: float,
) -> pd.DataFrame:
    """Mine pair rules ``a => c`` from the orders of ``tx``; return a, c, confidence, lift."""
    where, params = ("WHERE order_date < ?", [before]) if before else ("", [])
    baskets = con.execute(
        f"SELECT DISTINCT order_id AS basket, product_id AS item FROM tx {where}", params
    ).df()
    if baskets.empty:
        return pd.DataFrame({"a": [], "c": [], "confidence": [], "lift": []})
    mining = baskets_mine(
        source=baskets,
        basket_col="basket",
        item_col="item",
        min_support=min_support,
        min_confidence=min_confidence,
        max_length=2,
    )
    return pd.DataFrame(
        {
            "a": [int(r.antecedent[0]) for r in mining.rules],
            "c": [int(r.consequent[0]) for r in mining.rules],
            "confidence": [r.confidence for r in mining.rules],
            "lift": [r.lift for r in mining.rules],
        },
        columns=["a", "c", "confidence", "lift"],
    ).astype({"a": "int64", "c": "int64", "confidence": "float64", "lift": "float64"})


def rules_top_n(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: pd.DataFrame,
    before: dt.date | None,
    customers: np.ndarray | None = None,
    top_n: int,
) -> pd.DataFrame:
    """Recommend by the best-confidence rule whose antecedent a customer owns (set-based)."""
    where, params = ("WHERE order_date < ?", [before]) if before else ("", [])
    con.register("rec_rules", rules)
    con.register(
        "rec_who",
        pd.DataFrame({"customer_id": np.asarray([] if customers is None else customers, "int64")}),
    )
    who = "" if customers is None else "SEMI JOIN rec_who w USING (customer_id)"
    try:
        return con.execute(
            f"""
            WITH owned AS (SELECT DISTINCT customer_id, product_id FROM tx {where}),
            cand AS (
                SELECT o.customer_id, r.c AS product_id, max(r.confidence) AS score
                FROM (SELECT * FROM owned {who}) o
                JOIN rec_rules r ON r.a = o.product_id
                JOIN product p ON p.product_id = r.c AND p.active
                GROUP BY ALL
            ),
            fresh AS (SELECT * FROM cand ANTI JOIN owned USING (customer_id, product_id))
            SELECT customer_id, product_id, score, rank FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY customer_id ORDER BY score DESC, product_id) AS rank
                FROM fresh)
            WHERE rank <= ?
            ORDER BY customer_id, rank
            """,
            [*params, top_n],
        ).df()
    finally:
        con.unregister("rec_rules")
        con.unregister("rec_who")


def upsell_top_n(
    con: duckdb.DuckDBPyConnection, *, before: dt.date | None = None, top_n: int
) -> pd.DataFrame:
    """Recommend dearer (or higher-margin) products in the categories a customer buys."""
    where, params = ("WHERE order_date < ?", [before]) if before else ("", [])
    return con.execute(
        f"""
        WITH owned AS (SELECT DISTINCT customer_id, product_id FROM tx {where}),
        bought AS (
            SELECT o.customer_id, o.product_id, p.category, p.price, p.margin
            FROM owned o JOIN product p USING (product_id) WHERE p.category <> ''
        ),
        ref AS (
            SELECT customer_id, category, max(price) AS price, max(margin) AS margin
            FROM bought GROUP BY ALL
        ),
        category_buyers AS (
            SELECT category, count(DISTINCT customer_id) AS n FROM bought GROUP BY ALL
        ),
        product_buyers AS (SELECT product_id, count(*) AS n FROM owned GROUP BY ALL),
        cand AS (
            SELECT r.customer_id, p.product_id, p.price,
                   coalesce(pb.n, 0) / cb.n AS score
            FROM ref r
            JOIN product p ON p.category = r.category AND p.active
                 AND (p.price > r.price OR p.margin > r.margin)
            JOIN category_buyers cb ON cb.category = r.category
            LEFT JOIN product_buyers pb ON pb.product_id = p.product_id
        ),
        fresh AS (SELECT * FROM cand ANTI JOIN owned USING (customer_id, product_id))
        SELECT customer_id, product_id, score, rank FROM (
            SELECT *, row_number() OVER (
                PARTITION BY customer_id ORDER BY score DESC, price, product_id) AS rank
            FROM fresh)
        WHERE rank <= ?
        ORDER BY customer_id, rank
        """,
        [*params, top_n],
    ).df()


def cross_sell_top_n(
    con: duckdb.DuckDBPyConnection,
    *,
    method: str,
    settings: RecommendSettings,
    before: dt.date | None = None,
    customers: np.ndarray | None = None,
    top_n: int | None = None,
    matrix: Matrix | None = None,
) -> pd.DataFrame:
    """Return the top-N cross-sell of ``method`` for ``customers`` (all buyers by default)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    top_n = top_n or settings.top_n
    if method == "rules":
        rules = pair_rules(
            con,
            before=before,
            min_support=settings.rule_min_support,
            min_confidence=settings.rule_min_confidence,
        )
        return rules_top_n(con, rules=rules, before=before, customers=customers, top_n=top_n)
    matrix = matrix or purchase_matrix(con, before=before)
    rows = None
    if customers is not None:
        rows = matrix.rows_for(customers[np.isin(customers, matrix.customers)])
    fn = popularity_top_n if method == "popularity" else cosine_top_n
    return fn(matrix, rows=rows, top_n=top_n)


@dataclass(frozen=True)
class Evaluation:
    """Offline evaluation of the methods on one time split."""

    split_date: dt.date
    test_customers: int
    ks: list[int]
    # method -> metric ("hit_rate", "precision", "recall") -> value per k in ``ks``
    curves: dict[str, dict[str, list[float]]]

    def at(self, k: int) -> dict[str, dict[str, float]]:
        """Return each method's metrics at cut-off ``k``."""
        i = self.ks.index(k)
        return {m: {name: vals[i] for name, vals in c.items()} for m, c in self.curves.items()}


def test_items(con: duckdb.DuckDBPyConnection, *, split_date: dt.date) -> pd.DataFrame:
    """Return (customer_id, product_id) bought on or after the split and never before it.

    Only customers who also bought before the split count: the others have no history to
    recommend from.
    """
    return con.execute(
        """
        WITH train AS (SELECT DISTINCT customer_id, product_id FROM tx WHERE order_date < ?),
        later AS (SELECT DISTINCT customer_id, product_id FROM tx WHERE order_date >= ?)
        SELECT customer_id, product_id FROM later
        SEMI JOIN (SELECT DISTINCT customer_id FROM train) USING (customer_id)
        ANTI JOIN train USING (customer_id, product_id)
        ORDER BY customer_id, product_id
        """,
        [split_date, split_date],
    ).df()


def hit_curves(
    recs: pd.DataFrame, truth: pd.DataFrame, *, ks: Sequence[int]
) -> dict[str, list[float]]:
    """Return hit rate, precision and recall at each k over the customers in ``truth``.

    hit rate@k: share of customers with at least one of their first k recommendations
    among their test items; precision@k: mean of hits / k; recall@k: mean of hits / their
    number of test items. A customer with fewer than k recommendations still divides by k.
    """
    users = np.unique(truth["customer_id"].to_numpy())
    k_max = max(ks)
    if len(users) == 0:
        return {name: [0.0] * len(ks) for name in ("hit_rate", "precision", "recall")}
    hits = np.zeros((len(users), k_max), dtype=np.int64)
    joined = recs[recs["rank"] <= k_max].merge(truth, on=["customer_id", "product_id"])
    if len(joined):
        row = np.searchsorted(users, joined["customer_id"].to_numpy())
        hits[row, joined["rank"].to_numpy() - 1] = 1
    cum = np.cumsum(hits, axis=1)
    n_truth = truth.groupby("customer_id").size().reindex(users).to_numpy()
    out: dict[str, list[float]] = {"hit_rate": [], "precision": [], "recall": []}
    for k in ks:
        got = cum[:, k - 1]
        out["hit_rate"].append(float(np.mean(got > 0)))
        out["precision"].append(float(np.mean(got / k)))
        out["recall"].append(float(np.mean(got / n_truth)))
    return out


def evaluate(
    con: duckdb.DuckDBPyConnection,
    *,
    split_date: dt.date,
    settings: RecommendSettings,
    k_max: int = 20,
    methods: Sequence[str] = METHODS,
    progress: Progress | None = None,
) -> Evaluation:
    """Train each method on purchases before ``split_date``; test on new purchases after."""
    truth = test_items(con, split_date=split_date)
    users = np.unique(truth["customer_id"].to_numpy()).astype(np.int64)
    matrix = purchase_matrix(con, before=split_date)
    curves: dict[str, dict[str, list[float]]] = {}
    ks = list(range(1, k_max + 1))
    for method in methods:
        if progress:
            progress(method)
        recs = cross_sell_top_n(
            con,
            method=method,
            settings=settings,
            before=split_date,
            customers=users,
            top_n=k_max,
            matrix=matrix,
        )
        curves[method] = hit_curves(recs, truth, ks=ks)
    return Evaluation(split_date=split_date, test_customers=len(users), ks=ks, curves=curves)


def evaluation_charts(evaluation: Evaluation, *, k: int, labels: dict[str, Any]) -> dict:
    """Return the model page's charts for ``evaluation`` (ModelRun.charts format)."""
    methods = list(evaluation.curves)
    at_k = evaluation.at(k)
    return {
        "hit_rate_at_k": {
            "type": "line",
            "title": str(labels["hit_rate_title"]),
            "x": evaluation.ks,
            "series": {str(labels[m]): evaluation.curves[m]["hit_rate"] for m in methods},
        },
        "precision_at_k": {
            "type": "line",
            "title": str(labels["precision_title"]),
            "x": evaluation.ks,
            "series": {str(labels[m]): evaluation.curves[m]["precision"] for m in methods},
        },
        "methods_at_k": {
            "type": "bar",
            "title": str(labels["methods_title"]),
            "x": [str(labels[m]) for m in methods],
            "series": {
                str(labels["hit_rate"]): [at_k[m]["hit_rate"] for m in methods],
                str(labels["precision"]): [at_k[m]["precision"] for m in methods],
            },
        },
    }
