"""Partner crosswalk and group membership: published labels and GACC codes → the project's partner codes.

Labels drift across years ("United States (US)", "United States"), so the mapping is data: the reviewed
aliases of `warehouse/reference` (column `alias_key`, the normalised label). A label with no alias is an
error that names it, never a row dropped in silence: a missing partner would make every total wrong.
"""

from __future__ import annotations

import polars as pl

from domain.partners import WORLD_CODE
from domain.periods import Period
from transforms.periods import period_reference_month
from warehouse.reference import UnknownPartnerError  # one class for the fault, whoever detects it
from warehouse.tables import DIM_PARTNER

__all__ = [
    "WORLD_CODE",
    "AmbiguousPartnerError",
    "UnknownPartnerError",
    "attach_partner_codes",
    "attach_partner_codes_from_gacc",
    "members_at",
    "membership_in_period",
    "normalise_label_expr",
    "partners_with_world",
]

# GACC's table (4) heads its partner rows with the world total. It is the World by definition, so it maps
# to WLD even where an alias list lacks it (the reviewed one carries it too).
_BUILT_IN_ALIASES: dict[str, str] = {"total": WORLD_CODE}

# Typographic apostrophes folded as `warehouse.reference.normalise_label` folds them ("Cote d’Ivoire").
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'"}


class AmbiguousPartnerError(ValueError):
    """A label or code the reference data maps to more than one partner."""


def normalise_label_expr(label: str | pl.Expr) -> pl.Expr:
    """Polars twin of `warehouse.reference.normalise_label`: the key labels are matched on.

    NFKC (full-width punctuation of Chinese pages, NBSP → space), typographic apostrophes folded, whitespace
    runs collapsed (the regex `\\s` is Unicode-aware: indentation NBSPs, ideographic spaces, wrapped lines),
    stripped, a leading 'of which:' or '其中:' dropped, then lower-cased. `to_lowercase` equals Python's
    `casefold` on every character GACC's labels use (Latin letters, digits, CJK); the two part only on rare
    letters such as 'ß'. A test checks the twins agree.
    """
    expr = pl.col(label) if isinstance(label, str) else label
    return (
        expr.str.normalize("NFKC")
        .str.replace_many(list(_QUOTES), list(_QUOTES.values()))
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(r"(?i)^(?:of\s*which|其中)\s*:\s*", "")
        .str.to_lowercase()
    )


def _alias_table(aliases: pl.LazyFrame) -> pl.DataFrame:
    """alias_key → partner_code, one code per key (the reviewed aliases, then the built-in 'total' → WLD).

    The reference keeps each normalised alias unique; a key with two codes here is an error, not a choice.
    """
    reviewed = aliases.select(_key=normalise_label_expr("alias_key"), partner_code=pl.col("partner_code"))
    built_in = pl.LazyFrame(
        {"_key": list(_BUILT_IN_ALIASES), "partner_code": list(_BUILT_IN_ALIASES.values())},
        schema={"_key": pl.String, "partner_code": pl.String},
    )
    candidates = (
        pl.concat([reviewed.unique(), built_in.join(reviewed, on="_key", how="anti")])
        .unique(maintain_order=True)
        .collect()
    )
    clashes = candidates.filter(pl.len().over("_key") > 1)
    if clashes.height:
        listed = clashes.group_by("_key").agg(pl.col("partner_code").sort()).sort("_key").rows()
        raise AmbiguousPartnerError(f"aliases map one label to several partners: {listed}")
    return candidates


def attach_partner_codes(
    lf: pl.LazyFrame,
    aliases: pl.LazyFrame,
    *,
    label_col: str = "label",
    source: str,
) -> pl.LazyFrame:
    """Add `partner_code` to every row of `lf`, from its label through the reviewed aliases.

    `aliases` has the reference columns (alias, partner_code, source, note, alias_key). The label is
    normalised again here, so a label that escaped the parser's normalisation still matches. The World
    'Total' row maps to WLD. `source` names where the labels come from (e.g. 'preliminary table (4)'), for
    the error message.

    Collects the distinct labels of `lf` (to check them all), so an unknown label raises here:

    | label                  | partner_code |
    |------------------------|--------------|
    | Total                  | WLD          |
    | of which: Germany      | DEU          |
    | United States (US)     | USA          |
    | Atlantis               | UnknownPartnerError naming 'Atlantis' |
    """
    labels = lf.select(pl.col(label_col)).unique().collect()
    mapping = (
        labels.with_columns(_key=normalise_label_expr(label_col))
        .join(_alias_table(aliases), on="_key", how="left")
        .select(label_col, "partner_code")
    )
    unknown = mapping.filter(pl.col("partner_code").is_null())[label_col].to_list()
    if unknown:
        raise UnknownPartnerError(sorted(str(u) for u in unknown), source, "label")
    return lf.join(mapping.lazy(), on=label_col, how="left", maintain_order="left")


def attach_partner_codes_from_gacc(
    lf: pl.LazyFrame,
    partners: pl.LazyFrame,
    *,
    code_col: str = "partner_code_gacc",
    source: str,
) -> pl.LazyFrame:
    """Add `partner_code` from GACC's 3-digit country/region code (`partners.gacc_code`).

    GACC's codes are not ISO codes; an unknown code is an error naming it (the reference list must hold
    GACC's whole code list), and a code given to two partners is ambiguous.
    """
    codes = lf.select(pl.col(code_col)).unique().collect()
    known = (
        partners.filter(pl.col("gacc_code").is_not_null())
        # A reference loader may read the codes as integers: compare them as 3-digit strings.
        .select(_gacc=pl.col("gacc_code").cast(pl.String).str.zfill(3), partner_code=pl.col("partner_code"))
        .unique()
        .collect()
    )
    clashes = known.filter(pl.len().over("_gacc") > 1)
    if clashes.height:
        listed = clashes.group_by("_gacc").agg(pl.col("partner_code").sort()).sort("_gacc").rows()
        raise AmbiguousPartnerError(f"GACC codes given to several partners: {listed}")
    mapping = (
        codes.with_columns(_gacc=pl.col(code_col).cast(pl.String).str.zfill(3))
        .join(known, on="_gacc", how="left")
        .select(code_col, "partner_code")
    )
    unknown = mapping.filter(pl.col("partner_code").is_null())[code_col].to_list()
    if unknown:
        raise UnknownPartnerError(sorted(str(u) for u in unknown), source, "GACC code")
    return lf.join(mapping.lazy(), on=code_col, how="left", maintain_order="left")


def membership_in_period(groups: pl.LazyFrame, periods: pl.LazyFrame) -> pl.LazyFrame:
    """(group_code, member_code, period) for every member valid in each period of `periods`.

    `groups` has group_code, member_code, valid_from, valid_to ('YYYY-MM', inclusive; valid_to null while
    still a member). A Jan-Feb period counts as its last month (February). The UK, a member of EU until
    2020-01, is in EU for '2020-01' and not for '2020-02' nor '2020-01..02'.
    """
    # 'YYYY-MM' strings order like the months they name, so plain string comparison is enough.
    month = pl.col("_month")
    return (
        groups.select("group_code", "member_code", "valid_from", "valid_to")
        .join(
            periods.select("period").unique().with_columns(_month=period_reference_month("period")),
            how="cross",
        )
        .filter(
            (pl.col("valid_from") <= month) & (pl.col("valid_to").is_null() | (month <= pl.col("valid_to")))
        )
        .select("group_code", "member_code", "period")
        .unique()
        .sort("period", "group_code", "member_code")
    )


def members_at(groups: pl.LazyFrame, period_key: str) -> pl.LazyFrame:
    """(group_code, member_code) of the members valid in one period ('2020-02', '2020-01..02')."""
    key = Period.parse(period_key).key  # fail early on a malformed key
    periods = pl.LazyFrame({"period": [key]}, schema={"period": pl.String})
    return membership_in_period(groups, periods).select("group_code", "member_code")


_WORLD_ROW = {
    "partner_code": WORLD_CODE,
    "gacc_code": None,
    "iso_alpha3": None,
    "partner_name": "World",
    "partner_name_zh": "世界",
    "continent": None,
    "is_group": True,
}
_PARTNER_SCHEMA = DIM_PARTNER.polars_schema()


def partners_with_world(partners: pl.LazyFrame) -> pl.LazyFrame:
    """The reference partners with the World (WLD) added where the reference does not list it.

    WLD is part of the BI contract (the World total), so every fact and dimension can rely on it.
    """
    reviewed = partners.select(pl.col(name).cast(dtype) for name, dtype in _PARTNER_SCHEMA.items())
    world = pl.LazyFrame([_WORLD_ROW], schema=_PARTNER_SCHEMA).join(
        reviewed.select("partner_code"), on="partner_code", how="anti"
    )
    return pl.concat([reviewed, world], how="vertical")
