"""A synthetic landing folder of GACC online-query exports at the real shape, for the scale benchmark.

    .venv/bin/python bench/make_landing.py --months 120 --out /tmp/landing [--start 2016-01] [--seed 11]

One file per month and direction, in GACC's export format: GBK, a Chinese header, every value quoted,
thousands commas in the value column, a trailing comma on every line. Named
`online_query_hs8_partner_<YYYYMM>_<export|import>_cny.csv`, so the landing folder tells the flow from
the name. Partners are the real GACC codes of warehouse/reference/partners.csv; about 8,500 HS8 codes in
real chapters; the number of partners per code is skewed (most codes a handful, some nearly all), about
0.55 million records per month over both directions. Deterministic: the same arguments write the same
bytes (every random draw comes from a generator seeded by the seed, the month and the direction).
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
PARTNERS_CSV = REPO / "warehouse" / "reference" / "partners.csv"
HEADER = (
    "数据年月,贸易伙伴编码,贸易伙伴名称,商品编码,商品名称,第一数量,第一计量单位,第二数量,第二计量单位,人民币"
)
DIRECTIONS = ("export", "import")
HS8_CODES = 8_500
MEAN_PARTNERS_PER_CODE = 34  # 8,500 codes x 34 partners x 2 directions = 0.55 million records a month
# Trade is concentrated on a few partners: these GACC codes get the largest weights, in this order
# (United States, Japan, R. Korea, Hong Kong, Vietnam, Germany, Taiwan, Australia, ...).
MAIN_PARTNERS = ("502", "116", "133", "110", "141", "304", "143", "601", "112", "132", "344", "136")
FIRST_UNITS = ("千克", "千克", "千克", "千克", "个", "台", "件", "辆", "双", "升", "米", "平方米", "套", "条")
SECOND_UNITS = ("千克", "个", "台")
NAME_CHARACTERS = (
    "非转基因黄大豆种用其他机器设备零件钢铁塑料制品电子集成电路纺织棉花羊毛化学有机无机药品汽车船舶飞机"
    "光学仪器家具玩具鞋帽陶瓷玻璃铜铝镍锌锡木材纸浆矿石原油天然气冷冻鲜活鱼虾蟹肉类奶粉水果蔬菜谷物"
)


@dataclass(frozen=True)
class Catalogue:
    """What stays the same from month to month: the codes, their names, units and usual partners."""

    hs_codes: np.ndarray  # str, sorted
    names: np.ndarray  # str
    first_units: np.ndarray  # str
    second_units: np.ndarray  # str, "?" where the code has no second unit
    partners_per_code: np.ndarray  # int, the usual count
    affinity: np.ndarray  # float (codes x partners): the code's usual partners score high
    unit_price: np.ndarray  # float, yuan per first unit
    code_scale: np.ndarray  # float, the code's typical value per partner
    partner_codes: np.ndarray  # str
    partner_names: np.ndarray  # str


def reference_partners() -> tuple[list[str], list[str]]:
    with PARTNERS_CSV.open(encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    codes, names = [], []
    for row in csv.DictReader(rows):
        if row["gacc_code"] and row["is_group"] == "false":
            codes.append(row["gacc_code"])
            names.append(row["partner_name_zh"])
    return codes, names


def catalogue(seed: int) -> Catalogue:
    rng = np.random.default_rng([seed, 0])
    chapters = np.array([c for c in range(1, 98) if c != 77])
    drawn = chapters[rng.integers(0, chapters.size, HS8_CODES * 2)] * 1_000_000 + rng.integers(
        0, 1_000_000, HS8_CODES * 2
    )
    codes = np.sort(rng.permutation(np.unique(drawn))[:HS8_CODES])
    hs_codes = np.char.zfill(codes.astype(str), 8)
    lengths = rng.integers(2, 13, codes.size)
    characters = np.array(list(NAME_CHARACTERS))
    pool = characters[rng.integers(0, characters.size, (codes.size, 12))]
    names = np.array(["".join(row[:n]) for row, n in zip(pool, lengths, strict=True)])
    partner_codes, partner_names = reference_partners()
    weights = 1.0 / np.arange(1, len(partner_codes) + 1) ** 1.1  # Zipf over partners
    order = rng.permutation(len(partner_codes))
    main = [partner_codes.index(code) for code in MAIN_PARTNERS if code in partner_codes]
    rest = [i for i in order if i not in main]
    popularity = np.empty(len(partner_codes))
    popularity[main + rest] = weights
    # Gumbel keys: taking a code's top-k partners by key samples k partners without replacement,
    # each in proportion to its popularity.
    affinity = np.log(popularity)[None, :] + rng.gumbel(size=(codes.size, len(partner_codes)))
    partners_per_code = np.clip(
        np.rint(rng.lognormal(np.log(MEAN_PARTNERS_PER_CODE) - 0.55, 1.05, codes.size)), 1, len(partner_codes)
    ).astype(np.int64)
    has_second = rng.random(codes.size) < 0.3
    return Catalogue(
        hs_codes=hs_codes,
        names=names,
        first_units=np.array(FIRST_UNITS)[rng.integers(0, len(FIRST_UNITS), codes.size)],
        second_units=np.where(
            has_second, np.array(SECOND_UNITS)[rng.integers(0, len(SECOND_UNITS), codes.size)], "?"
        ),
        partners_per_code=partners_per_code,
        affinity=affinity,
        unit_price=rng.lognormal(3.0, 1.5, codes.size),
        code_scale=rng.lognormal(11.0, 1.8, codes.size),
        partner_codes=np.array(partner_codes),
        partner_names=np.array(partner_names),
    )


def month_records(cat: Catalogue, seed: int, year: int, month: int, direction: int) -> pl.DataFrame:
    """One month and direction: each code trades with its usual partners, give or take a few."""
    rng = np.random.default_rng([seed, year * 100 + month, direction])
    codes = cat.hs_codes.size
    counts = np.clip(
        np.rint(cat.partners_per_code * rng.uniform(0.85, 1.15, codes)), 1, cat.partner_codes.size
    ).astype(np.int64)
    keys = (cat.affinity + 0.3 * rng.gumbel(size=cat.affinity.shape)).astype(np.float32)
    ranked = np.argsort(-keys, axis=1)
    taken = np.arange(cat.partner_codes.size)[None, :] < counts[:, None]
    code_index = np.nonzero(taken)[0]
    partner_index = ranked[taken]
    order = np.lexsort((partner_index, code_index))
    code_index, partner_index = code_index[order], partner_index[order]
    rows = code_index.size
    value = np.maximum(
        1, np.rint(cat.code_scale[code_index] * rng.lognormal(0.0, 1.2, rows) / (1 + 0.02 * partner_index))
    ).astype(np.int64)
    quantity_1 = np.rint(value / cat.unit_price[code_index] * rng.lognormal(0.0, 0.2, rows)).astype(np.int64)
    no_second = cat.second_units[code_index] == "?"
    quantity_2 = np.where(no_second, 0, np.rint(quantity_1 * rng.uniform(0.5, 3.0, rows))).astype(np.int64)
    by_code, by_partner = pl.Series(code_index), pl.Series(partner_index)
    return pl.DataFrame(
        {
            "period": pl.repeat(f"{year:04d}{month:02d}", rows, eager=True),
            "partner_code": pl.Series(cat.partner_codes).gather(by_partner),
            "partner_name": pl.Series(cat.partner_names).gather(by_partner),
            "hs_code": pl.Series(cat.hs_codes).gather(by_code),
            "commodity_name": pl.Series(cat.names).gather(by_code),
            "quantity_1": quantity_1,
            "unit_1": pl.Series(cat.first_units).gather(by_code),
            "quantity_2": quantity_2,
            "unit_2": pl.Series(cat.second_units).gather(by_code),
            "value": value,
        }
    )


def thousands(column: str) -> pl.Expr:
    """An integer column as GACC prints values: 1,480,562 (values here stay below a quadrillion)."""
    x = pl.col(column)
    groups = [(x // 10**power) % 1000 for power in (12, 9, 6, 3, 0)]
    padded = [g.cast(pl.String).str.zfill(3) for g in groups]
    text = pl.lit("")
    for i, group in enumerate(groups):
        lead = group.cast(pl.String)
        rest = pl.concat_str(padded[i + 1 :], separator=",") if i < len(groups) - 1 else None
        here = lead if rest is None else pl.concat_str([lead, rest], separator=",")
        text = pl.when(x >= 10 ** (3 * (len(groups) - 1 - i))).then(here).otherwise(text)
    return pl.when(x < 1000).then(x.cast(pl.String)).otherwise(text)


def render(records: pl.DataFrame) -> bytes:
    """GACC's CSV: every value quoted, a trailing comma, GBK, encoded in one go."""
    cells = [
        pl.col("period"),
        pl.col("partner_code"),
        pl.col("partner_name"),
        pl.col("hs_code"),
        pl.col("commodity_name"),
        pl.col("quantity_1").cast(pl.String),
        pl.col("unit_1"),
        pl.col("quantity_2").cast(pl.String),
        pl.col("unit_2"),
        thousands("value"),
    ]
    body = records.select(
        pl.concat_str([pl.lit('"'), pl.concat_str(cells, separator='","'), pl.lit('",\n')]).str.join("")
    ).item()
    header = ",".join(f'"{name}"' for name in HEADER.split(",")) + ",\n"
    return (header + body).encode("gbk")


def months(start: str, count: int) -> list[tuple[int, int]]:
    year, month = (int(part) for part in start.split("-"))
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def file_name(year: int, month: int, direction: str) -> str:
    return f"online_query_hs8_partner_{year:04d}{month:02d}_{direction}_cny.csv"


def make_landing(out: Path, month_count: int, start: str = "2016-01", seed: int = 11) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    cat = catalogue(seed)
    written = []
    for year, month in months(start, month_count):
        for index, direction in enumerate(DIRECTIONS):
            path = out / file_name(year, month, direction)
            path.write_bytes(render(month_records(cat, seed, year, month, index)))
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--start", default="2016-01", help="first month, YYYY-MM")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.perf_counter()
    written = make_landing(args.out, args.months, args.start, args.seed)
    size = sum(path.stat().st_size for path in written)
    print(f"{len(written)} files, {size / 1e6:,.0f} MB in {args.out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
