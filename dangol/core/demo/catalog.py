"""The dairy catalogue: a category tree, products, and which categories sell together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dangol.core.demo.spec import STREAM_CATALOG, DemoSpec


@dataclass(frozen=True)
class Leaf:
    """A leaf category: what its products are called, their pack sizes and base price."""

    code: str
    path: tuple[str, ...]
    items: tuple[tuple[str, str], ...]  # (Korean, English) product kinds
    sizes: tuple[tuple[str, float], ...]  # (label, price factor)
    price: int  # won, for a factor of 1.0
    weight: float  # share of the product range


LEAVES: tuple[Leaf, ...] = (
    Leaf("MLK-WHT", ("Milk", "White milk"),
         (("우유", "Milk"), ("저지방 우유", "Low-fat Milk"), ("멸균 우유", "UHT Milk")),
         (("200ml", 0.3), ("900ml", 1.0), ("1L", 1.1), ("2.3L", 2.3)), 2_700, 6),
    Leaf("MLK-ORG", ("Milk", "Organic"),
         (("유기농 우유", "Organic Milk"), ("유기농 저지방 우유", "Organic Low-fat Milk")),
         (("190ml", 0.3), ("900ml", 1.0), ("1.8L", 1.9)), 4_300, 4),
    Leaf("MLK-FLV", ("Milk", "Flavoured milk"),
         (("딸기 우유", "Strawberry Milk"), ("바나나 우유", "Banana Milk"),
          ("초코 우유", "Chocolate Milk"), ("커피 우유", "Coffee Milk")),
         (("200ml", 0.5), ("300ml", 0.7), ("500ml", 1.0)), 2_400, 4),
    Leaf("YGT-DRK", ("Yogurt", "Drinking yogurt"),
         (("드링킹 요거트 플레인", "Drinking Yogurt Plain"),
          ("블루베리 드링킹 요거트", "Blueberry Drinking Yogurt")),
         (("150ml", 0.5), ("750ml", 1.6)), 2_200, 4),
    Leaf("YGT-GRK", ("Yogurt", "Greek yogurt"),
         (("그릭 요거트", "Greek Yogurt"), ("무가당 그릭 요거트", "Unsweetened Greek Yogurt")),
         (("100g", 0.4), ("450g", 1.0)), 6_500, 3),
    Leaf("YGT-SPN", ("Yogurt", "Spoon yogurt"),
         (("떠먹는 요거트", "Spoon Yogurt"), ("딸기 요거트", "Strawberry Yogurt"),
          ("아기 요거트", "Baby Yogurt")),
         (("85g x4", 1.0), ("85g x8", 1.9)), 3_200, 4),
    Leaf("CHS-MOZ", ("Cheese", "Natural cheese", "Mozzarella"),
         (("모짜렐라 치즈", "Mozzarella"), ("슈레드 모짜렐라", "Shredded Mozzarella")),
         (("200g", 0.5), ("1kg", 2.2)), 9_800, 3),
    Leaf("CHS-CRM", ("Cheese", "Natural cheese", "Cream cheese"),
         (("크림치즈", "Cream Cheese"), ("라이트 크림치즈", "Light Cream Cheese")),
         (("200g", 1.0), ("1kg", 4.0)), 5_900, 2),
    Leaf("CHS-SLC", ("Cheese", "Processed cheese", "Sliced cheese"),
         (("슬라이스 치즈", "Sliced Cheese"), ("체다 슬라이스", "Cheddar Slices")),
         (("10매", 1.0), ("20매", 1.8), ("100매", 7.5)), 4_800, 3),
    Leaf("BTR-BTR", ("Butter & cream", "Butter"),
         (("무염 버터", "Unsalted Butter"), ("가염 버터", "Salted Butter")),
         (("200g", 1.0), ("450g", 2.1)), 7_900, 3),
    Leaf("BTR-CRM", ("Butter & cream", "Whipping cream"),
         (("생크림", "Whipping Cream"), ("휘핑크림", "Whipped Topping")),
         (("250ml", 0.5), ("500ml", 1.0), ("1L", 1.9)), 6_200, 3),
    Leaf("ICE-CUP", ("Ice cream", "Cups"),
         (("바닐라 아이스크림", "Vanilla Ice Cream"), ("녹차 아이스크림", "Green Tea Ice Cream"),
          ("초코 아이스크림", "Chocolate Ice Cream")),
         (("120ml", 0.4), ("474ml", 1.0)), 7_500, 4),
    Leaf("ICE-BAR", ("Ice cream", "Bars"),
         (("우유 아이스바", "Milk Ice Bar"), ("팥 아이스바", "Red Bean Ice Bar")),
         (("1개", 0.25), ("6개입", 1.0)), 5_400, 3),
    Leaf("INF-S1", ("Infant formula", "Powder", "Stage 1"),
         (("조제분유 1단계", "Infant Formula Stage 1"),), (("800g", 1.0),), 32_000, 2),
    Leaf("INF-S2", ("Infant formula", "Powder", "Stage 2"),
         (("조제분유 2단계", "Infant Formula Stage 2"),), (("800g", 1.0),), 31_000, 2),
    Leaf("INF-LIQ", ("Infant formula", "Liquid"),
         (("액상분유", "Liquid Formula"),), (("160ml x24", 1.0),), 38_000, 1),
    Leaf("BEV-COF", ("Beverages", "Coffee drinks"),
         (("카페라떼", "Cafe Latte"), ("바닐라 라떼", "Vanilla Latte")),
         (("250ml", 0.5), ("250ml x10", 4.5)), 3_000, 3),
    Leaf("BEV-SOY", ("Beverages", "Soy milk"),
         (("검은콩 두유", "Black Bean Soy Milk"), ("무가당 두유", "Unsweetened Soy Milk")),
         (("190ml x16", 1.0), ("950ml", 0.4)), 12_000, 2),
    Leaf("BEV-JCE", ("Beverages", "Juice"),
         (("오렌지 주스", "Orange Juice"), ("사과 주스", "Apple Juice")),
         (("1L", 1.0), ("1.8L", 1.6)), 4_500, 2),
    Leaf("CER-CER", ("Bakery & cereal", "Cereal"),
         (("콘 플레이크", "Corn Flakes"), ("그래놀라", "Granola"), ("오트밀", "Oatmeal")),
         (("300g", 0.6), ("600g", 1.0)), 7_200, 3),
    Leaf("CER-BAK", ("Bakery & cereal", "Baking"),
         (("박력분", "Cake Flour"), ("팬케이크 믹스", "Pancake Mix"),
          ("베이킹 믹스", "Baking Mix")),
         (("1kg", 1.0), ("3kg", 2.6)), 4_900, 3),
    Leaf("FSV-MLK", ("Foodservice", "Bulk milk"),
         (("업소용 우유", "Catering Milk"),), (("18L", 1.0),), 42_000, 2),
    Leaf("FSV-PWD", ("Foodservice", "Milk powder"),
         (("탈지분유", "Skim Milk Powder"), ("전지분유", "Whole Milk Powder")),
         (("1kg", 0.12), ("25kg", 1.0)), 190_000, 2),
    Leaf("FSV-CRM", ("Foodservice", "Bulk cream"),
         (("업소용 생크림", "Catering Cream"),), (("1L x12", 1.0),), 88_000, 2),
)  # fmt: skip

LEAF_INDEX = {leaf.code: i for i, leaf in enumerate(LEAVES)}

BRANDS: tuple[tuple[str, str], ...] = (
    ("단골목장", "Dangol Farm"), ("푸른들", "Pureundeul"), ("하늘우유", "Haneul Milk"),
    ("초록목장", "Chorok Ranch"), ("새벽농장", "Saebyeok Farm"), ("별빛유업", "Byeolbit Dairy"),
    ("Alpine Meadow", "Alpine Meadow"), ("Nordic Dairy", "Nordic Dairy"),
)  # fmt: skip
BRAND_WEIGHTS = np.array([5, 4, 4, 3, 3, 2, 1, 1], dtype=float)

# Categories bought together in one basket (symmetric strengths): what an association
# rule miner or a recommender should find in the generated orders.
AFFINITIES: tuple[tuple[str, str, float], ...] = (
    ("CER-CER", "MLK-WHT", 3.0), ("CER-CER", "MLK-ORG", 1.5), ("CER-BAK", "BTR-BTR", 3.0),
    ("CER-BAK", "BTR-CRM", 2.5), ("BTR-BTR", "BTR-CRM", 2.5), ("CER-BAK", "MLK-WHT", 1.5),
    ("YGT-GRK", "CER-CER", 2.0), ("YGT-GRK", "MLK-ORG", 1.5), ("INF-S2", "YGT-SPN", 1.5),
    ("INF-S1", "INF-LIQ", 1.0), ("CHS-MOZ", "CHS-CRM", 1.0), ("CHS-MOZ", "BTR-CRM", 1.5),
    ("BEV-COF", "MLK-FLV", 1.5), ("ICE-CUP", "ICE-BAR", 2.0), ("FSV-MLK", "FSV-CRM", 3.0),
    ("FSV-PWD", "FSV-MLK", 1.5), ("CHS-SLC", "MLK-WHT", 1.0), ("BEV-SOY", "YGT-GRK", 1.0),
)  # fmt: skip

# Buying profiles: the categories a kind of customer starts a basket with.
PROFILES: dict[str, dict[str, float]] = {
    "household": {"MLK-WHT": 5, "MLK-FLV": 2, "YGT-DRK": 2, "YGT-SPN": 2, "CHS-SLC": 2,
                  "ICE-CUP": 1, "ICE-BAR": 1, "BEV-JCE": 1, "CER-CER": 1.5},
    "baker": {"CER-BAK": 4, "BTR-BTR": 4, "BTR-CRM": 3, "MLK-WHT": 3, "CHS-CRM": 2},
    "cafe": {"MLK-WHT": 4, "BTR-CRM": 3, "BEV-COF": 2, "MLK-ORG": 1, "CHS-CRM": 1,
             "ICE-CUP": 1},
    "infant": {"INF-S1": 3, "INF-S2": 3, "INF-LIQ": 1.5, "YGT-SPN": 2, "MLK-WHT": 2,
               "CHS-SLC": 1},
    "health": {"MLK-ORG": 4, "YGT-GRK": 4, "BEV-SOY": 3, "CER-CER": 2, "YGT-DRK": 1},
    "dessert": {"ICE-CUP": 3, "ICE-BAR": 3, "YGT-SPN": 2, "MLK-FLV": 2, "CHS-CRM": 1},
    "foodservice": {"FSV-MLK": 5, "FSV-PWD": 3, "FSV-CRM": 3, "BTR-BTR": 2, "CHS-MOZ": 2},
}  # fmt: skip
PROFILE_NAMES = tuple(PROFILES)


def profile_matrix() -> np.ndarray:
    """Return the cumulative first-category distribution of each profile (profiles x leaves)."""
    matrix = np.full((len(PROFILES), len(LEAVES)), 0.05)
    for p, weights in enumerate(PROFILES.values()):
        for code, weight in weights.items():
            matrix[p, LEAF_INDEX[code]] += weight
    matrix /= matrix.sum(axis=1, keepdims=True)
    return np.cumsum(matrix, axis=1)


def affinity_matrix() -> np.ndarray:
    """Return the cumulative next-category distribution given a category (leaves x leaves)."""
    matrix = np.full((len(LEAVES), len(LEAVES)), 0.1)
    for a, b, strength in AFFINITIES:
        matrix[LEAF_INDEX[a], LEAF_INDEX[b]] += strength
        matrix[LEAF_INDEX[b], LEAF_INDEX[a]] += strength
    matrix /= matrix.sum(axis=1, keepdims=True)
    return np.cumsum(matrix, axis=1)


@dataclass
class Catalog:
    """Generated categories and products; products are sorted by leaf category."""

    categories: list[tuple[int, int | None, str, str, int]]  # id, parent, name, path, depth
    product_ids: np.ndarray
    skus: list[str]
    names: list[str]
    names_en: list[str]
    category_ids: np.ndarray
    prices: np.ndarray  # whole won
    costs: np.ndarray
    active: np.ndarray
    leaf_start: np.ndarray  # index of each leaf's first product
    leaf_count: np.ndarray


def catalog_generate(spec: DemoSpec) -> Catalog:
    """Return the category tree and ``spec.products`` products."""
    rng = spec.rng(STREAM_CATALOG)
    categories: list[tuple[int, int | None, str, str, int]] = []
    ids_by_path: dict[tuple[str, ...], int] = {}
    leaf_category: list[int] = []
    for leaf in LEAVES:
        for depth in range(len(leaf.path)):
            key = leaf.path[: depth + 1]
            if key not in ids_by_path:
                ids_by_path[key] = len(categories) + 1
                parent = ids_by_path.get(key[:-1]) if depth else None
                categories.append((ids_by_path[key], parent, key[-1], " > ".join(key), depth))
        leaf_category.append(ids_by_path[leaf.path])

    weights = np.array([leaf.weight for leaf in LEAVES], dtype=float)
    counts = np.ones(len(LEAVES), dtype=np.int64)
    extra = spec.products - len(LEAVES)
    counts += np.floor(extra * weights / weights.sum()).astype(np.int64)
    # Hand the rounding remainder to the biggest leaves so the total is exact.
    for i in np.argsort(-weights, kind="stable")[: spec.products - int(counts.sum())]:
        counts[i] += 1
    leaf_of = np.repeat(np.arange(len(LEAVES)), counts)
    n = len(leaf_of)

    item_u, size_u = rng.random(n), rng.random(n)
    brand = rng.choice(len(BRANDS), size=n, p=BRAND_WEIGHTS / BRAND_WEIGHTS.sum())
    noise = rng.lognormal(0.0, 0.12, size=n)
    margin = rng.uniform(0.55, 0.82, size=n)
    active = rng.random(n) >= 0.05

    skus, names, names_en = [], [], []
    prices = np.empty(n, dtype=np.int64)
    serial = np.zeros(len(LEAVES), dtype=np.int64)
    for i in range(n):
        leaf = LEAVES[leaf_of[i]]
        item_ko, item_en = leaf.items[int(item_u[i] * len(leaf.items))]
        size, factor = leaf.sizes[int(size_u[i] * len(leaf.sizes))]
        brand_ko, brand_en = BRANDS[brand[i]]
        serial[leaf_of[i]] += 1
        skus.append(f"{leaf.code}-{serial[leaf_of[i]]:04d}")
        names.append(f"{brand_ko} {item_ko} {size}")
        names_en.append(f"{brand_en} {item_en} {size}")
        prices[i] = max(100, round(leaf.price * factor * noise[i], -1))
    costs = np.maximum(10, np.round(prices * margin, -1)).astype(np.int64)
    costs = np.minimum(costs, prices - 10)

    return Catalog(
        categories=categories,
        product_ids=np.arange(1, n + 1),
        skus=skus,
        names=names,
        names_en=names_en,
        category_ids=np.array(leaf_category)[leaf_of],
        prices=prices,
        costs=costs,
        active=active,
        leaf_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
        leaf_count=counts,
    )
