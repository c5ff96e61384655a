-- Generated from warehouse/tables.py by warehouse.dictionary.render_ddl(); do not edit.

CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS bi;

CREATE TABLE core.dim_partner (
    partner_code VARCHAR NOT NULL,
    gacc_code VARCHAR,
    iso_alpha3 VARCHAR,
    partner_name VARCHAR NOT NULL,
    partner_name_zh VARCHAR,
    continent VARCHAR,
    is_group BOOLEAN NOT NULL,
    PRIMARY KEY (partner_code)
);
COMMENT ON TABLE core.dim_partner IS 'Countries, regions and groups China trades with, from the reviewed reference data';
COMMENT ON COLUMN core.dim_partner.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN core.dim_partner.gacc_code IS 'GACC''s 3-digit country/region code (countries only)';
COMMENT ON COLUMN core.dim_partner.iso_alpha3 IS 'ISO 3166-1 alpha-3 code (countries only)';
COMMENT ON COLUMN core.dim_partner.partner_name IS 'Partner name in English';
COMMENT ON COLUMN core.dim_partner.partner_name_zh IS 'Partner name in Chinese';
COMMENT ON COLUMN core.dim_partner.continent IS 'Continent in GACC''s code list';
COMMENT ON COLUMN core.dim_partner.is_group IS 'True for the world and for groups of countries';

CREATE TABLE core.bridge_partner_group (
    group_code VARCHAR NOT NULL,
    member_code VARCHAR NOT NULL,
    valid_from VARCHAR NOT NULL,
    valid_to VARCHAR,
    PRIMARY KEY (group_code, member_code, valid_from)
);
COMMENT ON TABLE core.bridge_partner_group IS 'Membership of countries in groups, valid from/to a month (EU without the UK from 2020-02)';
COMMENT ON COLUMN core.bridge_partner_group.group_code IS 'Code of the group';
COMMENT ON COLUMN core.bridge_partner_group.member_code IS 'Partner code of the member';
COMMENT ON COLUMN core.bridge_partner_group.valid_from IS 'First month of membership (YYYY-MM)';
COMMENT ON COLUMN core.bridge_partner_group.valid_to IS 'Last month of membership (YYYY-MM); null while still a member';

CREATE TABLE core.dim_period (
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    year BIGINT NOT NULL,
    first_month BIGINT NOT NULL,
    last_month BIGINT NOT NULL,
    months_covered BIGINT NOT NULL,
    is_combined BOOLEAN NOT NULL,
    period_kind VARCHAR NOT NULL,
    PRIMARY KEY (period)
);
COMMENT ON TABLE core.dim_period IS 'Reference periods: months, and the combined January-February period';
COMMENT ON COLUMN core.dim_period.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.dim_period.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.dim_period.year IS 'Calendar year of the reference period';
COMMENT ON COLUMN core.dim_period.first_month IS 'First calendar month the period covers';
COMMENT ON COLUMN core.dim_period.last_month IS 'Last calendar month the period covers';
COMMENT ON COLUMN core.dim_period.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.dim_period.is_combined IS 'True for the combined January-February period';
COMMENT ON COLUMN core.dim_period.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';

CREATE TABLE core.dim_commodity (
    commodity_code VARCHAR NOT NULL,
    commodity_name VARCHAR,
    direction VARCHAR,
    hs_heading VARCHAR,
    hs_chapter VARCHAR,
    commodity_code_kind VARCHAR NOT NULL,
    commodity_name_en VARCHAR,
    commodity_name_zh VARCHAR,
    PRIMARY KEY (commodity_code)
);
COMMENT ON TABLE core.dim_commodity IS 'Commodities of the major-commodity tables and the online-query detail';
COMMENT ON COLUMN core.dim_commodity.commodity_code IS 'Commodity: HS8, or the project''s code for a GACC commodity label';
COMMENT ON COLUMN core.dim_commodity.commodity_name IS 'Commodity name as published';
COMMENT ON COLUMN core.dim_commodity.direction IS 'Trade direction: exports by destination (FOB), imports by origin (CIF)';
COMMENT ON COLUMN core.dim_commodity.hs_heading IS 'HS heading (4 digits) where one fits';
COMMENT ON COLUMN core.dim_commodity.hs_chapter IS 'HS chapter (2 digits)';
COMMENT ON COLUMN core.dim_commodity.commodity_code_kind IS 'What kind of code commodity_code is: ''hs8'' (an HS 8-digit code), ''hs2'' (an HS chapter), ''gacc_label'' (our code for a GACC commodity label of tables (5)/(6), e.g. M-CRUDE: no HS code)';
COMMENT ON COLUMN core.dim_commodity.commodity_name_en IS 'English name: GACC''s English label for a gacc_label code; for an HS code, the name of its HS heading, else of its chapter, from the reviewed reference data';
COMMENT ON COLUMN core.dim_commodity.commodity_name_zh IS 'Chinese name as GACC published it (online-query exports)';

CREATE TABLE core.dim_trade_mode (
    trade_mode_code VARCHAR NOT NULL,
    trade_mode VARCHAR NOT NULL,
    trade_mode_zh VARCHAR,
    is_processing_trade BOOLEAN NOT NULL,
    is_aggregate BOOLEAN NOT NULL,
    PRIMARY KEY (trade_mode_code)
);
COMMENT ON TABLE core.dim_trade_mode IS 'Trade modes (customs regimes) of tables (2)/(3), from the reviewed reference data';
COMMENT ON COLUMN core.dim_trade_mode.trade_mode_code IS 'Tables (2)/(3): the trade mode (customs regime), reference/trade_modes.csv';
COMMENT ON COLUMN core.dim_trade_mode.trade_mode IS 'Trade mode (customs regime), English label from the reference data';
COMMENT ON COLUMN core.dim_trade_mode.trade_mode_zh IS 'Trade mode (customs regime), Chinese name from the reference data';
COMMENT ON COLUMN core.dim_trade_mode.is_processing_trade IS 'True for the regimes of processing trade (materials supplied, imported materials) and their sum';
COMMENT ON COLUMN core.dim_trade_mode.is_aggregate IS 'True for a row that sums other rows (Total, Processing trade)';

CREATE TABLE core.fact_partner_trade (
    release_id VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    published_on DATE,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    months_covered BIGINT NOT NULL,
    partner_code VARCHAR NOT NULL,
    partner_label VARCHAR,
    is_group BOOLEAN NOT NULL,
    direction VARCHAR NOT NULL,
    value_usd BIGINT,
    value_cny BIGINT,
    value_ytd_usd BIGINT,
    value_ytd_cny BIGINT,
    value_derived_usd BIGINT,
    value_derived_cny BIGINT,
    revision_residual_usd BIGINT,
    revision_residual_cny BIGINT,
    yoy_pct_published_usd DOUBLE,
    yoy_pct_published_cny DOUBLE,
    yoy_ytd_pct_published_usd DOUBLE,
    yoy_ytd_pct_published_cny DOUBLE,
    mom_pct_published_usd DOUBLE,
    implied_cny_per_usd DOUBLE,
    is_latest_vintage BOOLEAN NOT NULL,
    vintage_source VARCHAR NOT NULL,
    public_on DATE,
    vintage_precedence BIGINT,
    value_source VARCHAR NOT NULL,
    PRIMARY KEY (release_id, period, partner_code, direction)
);
COMMENT ON TABLE core.fact_partner_trade IS 'Trade by partner from tables (1) (World) and (4) and from the Monthly Bulletin (its customs-regime TOTAL as World, its by-country table), every release kept: both currencies as published';
COMMENT ON COLUMN core.fact_partner_trade.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN core.fact_partner_trade.product IS 'GACC product: the preliminary release, the Monthly Bulletin or the online query database';
COMMENT ON COLUMN core.fact_partner_trade.published_on IS 'Publication date printed on the release (retrieval date where none)';
COMMENT ON COLUMN core.fact_partner_trade.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.fact_partner_trade.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.fact_partner_trade.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.fact_partner_trade.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN core.fact_partner_trade.partner_label IS 'Partner label as published';
COMMENT ON COLUMN core.fact_partner_trade.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN core.fact_partner_trade.direction IS 'Trade direction';
COMMENT ON COLUMN core.fact_partner_trade.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_partner_trade.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_partner_trade.value_ytd_usd IS 'Trade value from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_partner_trade.value_ytd_cny IS 'Trade value from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_partner_trade.value_derived_usd IS 'Period value derived from this release''s January-to-month value minus the previous period''s [US dollars]';
COMMENT ON COLUMN core.fact_partner_trade.value_derived_cny IS 'Period value derived from this release''s January-to-month value minus the previous period''s [yuan]';
COMMENT ON COLUMN core.fact_partner_trade.revision_residual_usd IS 'Published period value minus the derived one: a revision signal [US dollars]';
COMMENT ON COLUMN core.fact_partner_trade.revision_residual_cny IS 'Published period value minus the derived one: a revision signal [yuan]';
COMMENT ON COLUMN core.fact_partner_trade.yoy_pct_published_usd IS 'Year-on-year % of the period value as GACC published it (USD edition) [percent]';
COMMENT ON COLUMN core.fact_partner_trade.yoy_pct_published_cny IS 'Year-on-year % of the period value as GACC published it (CNY edition) [percent]';
COMMENT ON COLUMN core.fact_partner_trade.yoy_ytd_pct_published_usd IS 'Year-on-year % of the January-to-month value as published (USD) [percent]';
COMMENT ON COLUMN core.fact_partner_trade.yoy_ytd_pct_published_cny IS 'Year-on-year % of the January-to-month value as published (CNY) [percent]';
COMMENT ON COLUMN core.fact_partner_trade.mom_pct_published_usd IS 'Month-on-month % as published (USD edition, table (1) only) [percent]';
COMMENT ON COLUMN core.fact_partner_trade.implied_cny_per_usd IS 'CNY value divided by USD value of the same figure: a check, never used to convert [yuan per US dollar]';
COMMENT ON COLUMN core.fact_partner_trade.is_latest_vintage IS 'True for the row of the newest release of its period (the one vintage_precedence picks); BI views show only these';
COMMENT ON COLUMN core.fact_partner_trade.vintage_source IS 'Where this vintage of the figure comes from: the preliminary release, a later preliminary page''s reprint of an earlier figure, the Monthly Bulletin, or an online-query export';
COMMENT ON COLUMN core.fact_partner_trade.public_on IS 'The date this vintage became public: its release''s publication date, or the date its file was retrieved where no publication date is known; as-of queries see the vintages public on or before their date';
COMMENT ON COLUMN core.fact_partner_trade.vintage_precedence IS 'Precedence rule (the latest vintage of a figure): the Monthly Bulletin over the preliminary release and online-query exports; among vintages of the same rank, the later over the earlier (public_on, then retrieval time, then release_id). This vintage''s rank under it (higher wins), comparable among the vintages of one figure (the rows of its period); null for a row that never gives the figure a view shows (a restatement of a cumulative figure alone)';
COMMENT ON COLUMN core.fact_partner_trade.value_source IS 'Where the row''s values come from: ''published'' (printed by GACC) or ''derived'' (computed here from printed figures, never GACC''s print: January from a Monthly Bulletin February page, its January-February minus its February, with no published y/y)';

CREATE TABLE core.fact_trade_flows (
    release_id VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    published_on DATE,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    months_covered BIGINT NOT NULL,
    direction VARCHAR NOT NULL,
    commodity_code VARCHAR NOT NULL,
    commodity_name VARCHAR,
    partner_code VARCHAR NOT NULL,
    is_aggregate BOOLEAN NOT NULL,
    quantity_unit VARCHAR,
    quantity DOUBLE,
    quantity_ytd DOUBLE,
    quantity_base_unit VARCHAR,
    quantity_base DOUBLE,
    quantity_ytd_base DOUBLE,
    value_usd BIGINT,
    value_cny BIGINT,
    value_ytd_usd BIGINT,
    value_ytd_cny BIGINT,
    yoy_ytd_pct_published_usd DOUBLE,
    yoy_ytd_pct_published_cny DOUBLE,
    is_restatement BOOLEAN NOT NULL,
    is_latest_vintage BOOLEAN NOT NULL,
    vintage_source VARCHAR NOT NULL,
    public_on DATE,
    vintage_precedence BIGINT
);
COMMENT ON TABLE core.fact_trade_flows IS 'Trade by commodity (tables (5)/(6), World) and by commodity x partner (online-query detail)';
COMMENT ON COLUMN core.fact_trade_flows.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN core.fact_trade_flows.product IS 'GACC product: the preliminary release, the Monthly Bulletin or the online query database';
COMMENT ON COLUMN core.fact_trade_flows.published_on IS 'Publication date printed on the release (retrieval date where none)';
COMMENT ON COLUMN core.fact_trade_flows.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.fact_trade_flows.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.fact_trade_flows.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.fact_trade_flows.direction IS 'Trade direction: exports by destination (FOB), imports by origin (CIF)';
COMMENT ON COLUMN core.fact_trade_flows.commodity_code IS 'Commodity: HS8, or the project''s code for a GACC commodity label';
COMMENT ON COLUMN core.fact_trade_flows.commodity_name IS 'Commodity name as published';
COMMENT ON COLUMN core.fact_trade_flows.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN core.fact_trade_flows.is_aggregate IS 'Tables (5)/(6): a row marked ''*'' that sums listed and other items (never add it to its members)';
COMMENT ON COLUMN core.fact_trade_flows.quantity_unit IS 'Quantity unit as published (tables (5)/(6), online query)';
COMMENT ON COLUMN core.fact_trade_flows.quantity IS 'Quantity of the reference period, in quantity_unit';
COMMENT ON COLUMN core.fact_trade_flows.quantity_ytd IS 'Quantity from January to the period''s last month, in quantity_unit';
COMMENT ON COLUMN core.fact_trade_flows.quantity_base_unit IS 'Base unit of the quantity (ton, piece, set, vehicle, pair, ...), reference/quantity_units.csv';
COMMENT ON COLUMN core.fact_trade_flows.quantity_base IS 'Quantity of the reference period in quantity_base_unit (the printed quantity x the unit''s factor)';
COMMENT ON COLUMN core.fact_trade_flows.quantity_ytd_base IS 'Quantity from January to the period''s last month, in quantity_base_unit';
COMMENT ON COLUMN core.fact_trade_flows.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_flows.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_flows.value_ytd_usd IS 'Trade value from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_flows.value_ytd_cny IS 'Trade value from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_flows.yoy_ytd_pct_published_usd IS 'Year-on-year % of the January-to-month value as published (USD) [percent]';
COMMENT ON COLUMN core.fact_trade_flows.yoy_ytd_pct_published_cny IS 'Year-on-year % of the January-to-month value as published (CNY) [percent]';
COMMENT ON COLUMN core.fact_trade_flows.is_restatement IS 'True for a row reprinted by a later release (the prior-year January-to-month column of tables (5)/(6)): a later vintage of the period''s cumulative figures only';
COMMENT ON COLUMN core.fact_trade_flows.is_latest_vintage IS 'True for the row of the newest release that gives the period''s own value; BI views show only these (a restatement of a cumulative figure alone never is)';
COMMENT ON COLUMN core.fact_trade_flows.vintage_source IS 'Where this vintage of the figure comes from: the preliminary release, a later preliminary page''s reprint of an earlier figure, the Monthly Bulletin, or an online-query export';
COMMENT ON COLUMN core.fact_trade_flows.public_on IS 'The date this vintage became public: its release''s publication date, or the date its file was retrieved where no publication date is known; as-of queries see the vintages public on or before their date';
COMMENT ON COLUMN core.fact_trade_flows.vintage_precedence IS 'Precedence rule (the latest vintage of a figure): the Monthly Bulletin over the preliminary release and online-query exports; among vintages of the same rank, the later over the earlier (public_on, then retrieval time, then release_id). This vintage''s rank under it (higher wins), comparable among the vintages of one figure (the rows of its period); null for a row that never gives the figure a view shows (a restatement of a cumulative figure alone)';

CREATE TABLE core.fact_trade_mode (
    release_id VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    published_on DATE,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    months_covered BIGINT NOT NULL,
    trade_mode_code VARCHAR NOT NULL,
    label VARCHAR,
    direction VARCHAR NOT NULL,
    value_usd BIGINT,
    value_cny BIGINT,
    value_ytd_usd BIGINT,
    value_ytd_cny BIGINT,
    yoy_pct_published_usd DOUBLE,
    yoy_pct_published_cny DOUBLE,
    yoy_ytd_pct_published_usd DOUBLE,
    yoy_ytd_pct_published_cny DOUBLE,
    yoy_pct DOUBLE,
    yoy_ytd_pct DOUBLE,
    share_of_total_pct DOUBLE,
    processing_trade_share_pct DOUBLE,
    is_latest_vintage BOOLEAN NOT NULL,
    vintage_source VARCHAR NOT NULL,
    public_on DATE,
    vintage_precedence BIGINT,
    value_source VARCHAR NOT NULL,
    PRIMARY KEY (release_id, period, trade_mode_code, direction)
);
COMMENT ON TABLE core.fact_trade_mode IS 'Trade by trade mode (customs regime) from tables (2) (the month) and (3) (January to month) and from the Monthly Bulletin''s customs-regime table (both on one page), every release kept: both currencies as published';
COMMENT ON COLUMN core.fact_trade_mode.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN core.fact_trade_mode.product IS 'GACC product: the preliminary release, the Monthly Bulletin or the online query database';
COMMENT ON COLUMN core.fact_trade_mode.published_on IS 'Publication date printed on the release (retrieval date where none)';
COMMENT ON COLUMN core.fact_trade_mode.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.fact_trade_mode.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.fact_trade_mode.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.fact_trade_mode.trade_mode_code IS 'Tables (2)/(3): the trade mode (customs regime), reference/trade_modes.csv';
COMMENT ON COLUMN core.fact_trade_mode.label IS 'Trade-mode label as published';
COMMENT ON COLUMN core.fact_trade_mode.direction IS 'Trade direction: exports by destination (FOB), imports by origin (CIF)';
COMMENT ON COLUMN core.fact_trade_mode.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_mode.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_mode.value_ytd_usd IS 'Trade value from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_mode.value_ytd_cny IS 'Trade value from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_pct_published_usd IS 'Year-on-year % of the period value as GACC published it (USD edition) [percent]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_pct_published_cny IS 'Year-on-year % of the period value as GACC published it (CNY edition) [percent]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_ytd_pct_published_usd IS 'Year-on-year % of the January-to-month value as published (USD) [percent]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_ytd_pct_published_cny IS 'Year-on-year % of the January-to-month value as published (CNY) [percent]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_pct IS 'Year-on-year % of value_usd: GACC''s figure where published for this value (table (2); the cumulative''s for a Jan-Feb period), else derived from the same period a year earlier, else null [percent]';
COMMENT ON COLUMN core.fact_trade_mode.yoy_ytd_pct IS 'Year-on-year % of value_ytd_usd: GACC''s figure (table (3)), else derived, else null [percent]';
COMMENT ON COLUMN core.fact_trade_mode.share_of_total_pct IS 'The row''s value_usd as a % of the Total Value of the same period and direction [percent]';
COMMENT ON COLUMN core.fact_trade_mode.processing_trade_share_pct IS 'Processing trade (materials supplied plus imported materials) as a % of the Total Value of the same period and direction, in USD [percent]';
COMMENT ON COLUMN core.fact_trade_mode.is_latest_vintage IS 'True for the row of the newest release of its period (the one vintage_precedence picks); BI views show only these';
COMMENT ON COLUMN core.fact_trade_mode.vintage_source IS 'Where this vintage of the figure comes from: the preliminary release, a later preliminary page''s reprint of an earlier figure, the Monthly Bulletin, or an online-query export';
COMMENT ON COLUMN core.fact_trade_mode.public_on IS 'The date this vintage became public: its release''s publication date, or the date its file was retrieved where no publication date is known; as-of queries see the vintages public on or before their date';
COMMENT ON COLUMN core.fact_trade_mode.vintage_precedence IS 'Precedence rule (the latest vintage of a figure): the Monthly Bulletin over the preliminary release and online-query exports; among vintages of the same rank, the later over the earlier (public_on, then retrieval time, then release_id). This vintage''s rank under it (higher wins), comparable among the vintages of one figure (the rows of its period); null for a row that never gives the figure a view shows (a restatement of a cumulative figure alone)';
COMMENT ON COLUMN core.fact_trade_mode.value_source IS 'Where the row''s values come from: ''published'' (printed by GACC) or ''derived'' (computed here from printed figures, never GACC''s print: January from a Monthly Bulletin February page, its January-February minus its February, with no published y/y)';

CREATE TABLE core.fact_trade_surplus (
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    months_covered BIGINT NOT NULL,
    partner_code VARCHAR NOT NULL,
    is_group BOOLEAN NOT NULL,
    release_id VARCHAR NOT NULL,
    exports_usd BIGINT,
    imports_usd BIGINT,
    balance_usd BIGINT,
    exports_cny BIGINT,
    imports_cny BIGINT,
    balance_cny BIGINT,
    exports_ytd_usd BIGINT,
    imports_ytd_usd BIGINT,
    balance_ytd_usd BIGINT,
    exports_ytd_cny BIGINT,
    imports_ytd_cny BIGINT,
    balance_ytd_cny BIGINT,
    balance_rolling_12m_usd BIGINT,
    balance_rolling_12m_cny BIGINT,
    balance_yoy_change_usd BIGINT,
    balance_yoy_change_cny BIGINT,
    exports_yoy_pct DOUBLE,
    imports_yoy_pct DOUBLE,
    exports_ytd_yoy_pct DOUBLE,
    imports_ytd_yoy_pct DOUBLE,
    share_of_total_balance_pct DOUBLE,
    exports_yoy_source VARCHAR,
    imports_yoy_source VARCHAR,
    exports_ytd_yoy_source VARCHAR,
    imports_ytd_yoy_source VARCHAR,
    value_source VARCHAR NOT NULL,
    PRIMARY KEY (period, partner_code)
);
COMMENT ON TABLE core.fact_trade_surplus IS 'Exports, imports and balance per period and partner (countries, groups, World), latest vintage';
COMMENT ON COLUMN core.fact_trade_surplus.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.fact_trade_surplus.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.fact_trade_surplus.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.fact_trade_surplus.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN core.fact_trade_surplus.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN core.fact_trade_surplus.release_id IS 'The release the period''s figures come from (its latest vintage)';
COMMENT ON COLUMN core.fact_trade_surplus.exports_usd IS 'Exports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_usd IS 'Imports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_cny IS 'Exports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_cny IS 'Imports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_cny IS 'Trade balance of the reference period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_ytd_usd IS 'Exports from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_ytd_usd IS 'Imports from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_ytd_usd IS 'Trade balance from January to the period''s last month: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_ytd_cny IS 'Exports from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_ytd_cny IS 'Imports from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_ytd_cny IS 'Trade balance from January to the period''s last month: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_rolling_12m_usd IS 'Trade balance over the 12 months ending with the period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_rolling_12m_cny IS 'Trade balance over the 12 months ending with the period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_yoy_change_usd IS 'Change in the period''s balance from the same period a year earlier: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus.balance_yoy_change_cny IS 'Change in the period''s balance from the same period a year earlier: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_yoy_pct IS 'Year-on-year % of exports_usd: GACC''s figure where published for this value, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_yoy_pct IS 'Year-on-year % of imports_usd: GACC''s figure where published for this value, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_ytd_yoy_pct IS 'Year-on-year % of exports_ytd_usd: published, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus.imports_ytd_yoy_pct IS 'Year-on-year % of imports_ytd_usd: published, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus.share_of_total_balance_pct IS 'The partner''s balance as a % of China''s total balance for the period [percent]';
COMMENT ON COLUMN core.fact_trade_surplus.exports_yoy_source IS 'Where exports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus.imports_yoy_source IS 'Where imports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus.exports_ytd_yoy_source IS 'Where exports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus.imports_ytd_yoy_source IS 'Where imports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus.value_source IS 'Where the period''s exports and imports come from: ''published'', or ''derived'' where either is (January from a Monthly Bulletin February page: its January-February minus its February, never GACC''s print)';

CREATE TABLE core.fact_trade_surplus_history (
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    months_covered BIGINT NOT NULL,
    partner_code VARCHAR NOT NULL,
    is_group BOOLEAN NOT NULL,
    release_id VARCHAR NOT NULL,
    exports_usd BIGINT,
    imports_usd BIGINT,
    balance_usd BIGINT,
    exports_cny BIGINT,
    imports_cny BIGINT,
    balance_cny BIGINT,
    exports_ytd_usd BIGINT,
    imports_ytd_usd BIGINT,
    balance_ytd_usd BIGINT,
    exports_ytd_cny BIGINT,
    imports_ytd_cny BIGINT,
    balance_ytd_cny BIGINT,
    balance_rolling_12m_usd BIGINT,
    balance_rolling_12m_cny BIGINT,
    balance_yoy_change_usd BIGINT,
    balance_yoy_change_cny BIGINT,
    exports_yoy_pct DOUBLE,
    imports_yoy_pct DOUBLE,
    exports_ytd_yoy_pct DOUBLE,
    imports_ytd_yoy_pct DOUBLE,
    share_of_total_balance_pct DOUBLE,
    exports_yoy_source VARCHAR,
    imports_yoy_source VARCHAR,
    exports_ytd_yoy_source VARCHAR,
    imports_ytd_yoy_source VARCHAR,
    value_source VARCHAR NOT NULL,
    visible_from DATE NOT NULL,
    visible_until DATE,
    PRIMARY KEY (period, partner_code, visible_from)
);
COMMENT ON TABLE core.fact_trade_surplus_history IS 'Every version of core.fact_trade_surplus: the fact as it stood on each day a vintage became public (the vintages public by then, the latest of each picked by the precedence rule), one row per version with the days it was current; the as-of macros read it';
COMMENT ON COLUMN core.fact_trade_surplus_history.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN core.fact_trade_surplus_history.period_start IS 'First day of the reference period';
COMMENT ON COLUMN core.fact_trade_surplus_history.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN core.fact_trade_surplus_history.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN core.fact_trade_surplus_history.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN core.fact_trade_surplus_history.release_id IS 'The release the period''s figures come from (its latest vintage)';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_usd IS 'Exports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_usd IS 'Imports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_cny IS 'Exports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_cny IS 'Imports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_cny IS 'Trade balance of the reference period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_ytd_usd IS 'Exports from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_ytd_usd IS 'Imports from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_ytd_usd IS 'Trade balance from January to the period''s last month: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_ytd_cny IS 'Exports from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_ytd_cny IS 'Imports from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_ytd_cny IS 'Trade balance from January to the period''s last month: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_rolling_12m_usd IS 'Trade balance over the 12 months ending with the period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_rolling_12m_cny IS 'Trade balance over the 12 months ending with the period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_yoy_change_usd IS 'Change in the period''s balance from the same period a year earlier: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN core.fact_trade_surplus_history.balance_yoy_change_cny IS 'Change in the period''s balance from the same period a year earlier: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_yoy_pct IS 'Year-on-year % of exports_usd: GACC''s figure where published for this value, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_yoy_pct IS 'Year-on-year % of imports_usd: GACC''s figure where published for this value, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_ytd_yoy_pct IS 'Year-on-year % of exports_ytd_usd: published, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_ytd_yoy_pct IS 'Year-on-year % of imports_ytd_usd: published, else derived [percent]';
COMMENT ON COLUMN core.fact_trade_surplus_history.share_of_total_balance_pct IS 'The partner''s balance as a % of China''s total balance for the period [percent]';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_yoy_source IS 'Where exports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_yoy_source IS 'Where imports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus_history.exports_ytd_yoy_source IS 'Where exports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus_history.imports_ytd_yoy_source IS 'Where imports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN core.fact_trade_surplus_history.value_source IS 'Where the period''s exports and imports come from: ''published'', or ''derived'' where either is (January from a Monthly Bulletin February page: its January-February minus its February, never GACC''s print)';
COMMENT ON COLUMN core.fact_trade_surplus_history.visible_from IS 'First day this version of the row was what the warehouse showed (a day a vintage became public)';
COMMENT ON COLUMN core.fact_trade_surplus_history.visible_until IS 'The day a later version replaced this one (exclusive); null for the current version';

CREATE TABLE meta.releases (
    release_id VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    published_on DATE,
    retrieved_at TIMESTAMPTZ,
    file_count BIGINT,
    is_latest_vintage BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    PRIMARY KEY (release_id)
);
COMMENT ON TABLE meta.releases IS 'One row per release (product x period x publication date) in the warehouse';
COMMENT ON COLUMN meta.releases.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN meta.releases.product IS 'GACC product: the preliminary release, the Monthly Bulletin or the online query database';
COMMENT ON COLUMN meta.releases.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN meta.releases.published_on IS 'Publication date printed on the release (retrieval date where none)';
COMMENT ON COLUMN meta.releases.retrieved_at IS 'When the raw file was fetched or dropped (UTC)';
COMMENT ON COLUMN meta.releases.file_count IS 'Number of raw files';
COMMENT ON COLUMN meta.releases.is_latest_vintage IS 'True for the row of the newest release of its period (the one vintage_precedence picks); BI views show only these';
COMMENT ON COLUMN meta.releases.status IS 'Outcome';

CREATE TABLE meta.release_files (
    release_id VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    source_uri VARCHAR NOT NULL,
    table_id VARCHAR,
    currency VARCHAR,
    retrieved_at TIMESTAMPTZ,
    parser_version VARCHAR NOT NULL,
    PRIMARY KEY (release_id, source_sha256)
);
COMMENT ON TABLE meta.release_files IS 'The raw files behind each release: source URL or path, checksum, parser version';
COMMENT ON COLUMN meta.release_files.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN meta.release_files.source_sha256 IS 'SHA-256 of the raw file the row was parsed from';
COMMENT ON COLUMN meta.release_files.source_uri IS 'URL or path the raw file came from';
COMMENT ON COLUMN meta.release_files.table_id IS 'Which published table (preliminary release or Monthly Bulletin), identified by its description';
COMMENT ON COLUMN meta.release_files.currency IS 'Currency edition of the table';
COMMENT ON COLUMN meta.release_files.retrieved_at IS 'When the raw file was fetched or dropped (UTC)';
COMMENT ON COLUMN meta.release_files.parser_version IS 'Version of the parser that read the raw file';

CREATE TABLE meta.runs (
    run_id VARCHAR NOT NULL,
    flow_run_id VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    source VARCHAR,
    code_version VARCHAR,
    input_fingerprint VARCHAR,
    message VARCHAR,
    PRIMARY KEY (run_id)
);
COMMENT ON TABLE meta.runs IS 'One row per pipeline run that published the warehouse';
COMMENT ON COLUMN meta.runs.run_id IS 'Identifier of the pipeline run';
COMMENT ON COLUMN meta.runs.flow_run_id IS 'Prefect flow-run id';
COMMENT ON COLUMN meta.runs.started_at IS 'When the run started (UTC)';
COMMENT ON COLUMN meta.runs.finished_at IS 'When the run finished (UTC)';
COMMENT ON COLUMN meta.runs.status IS 'Outcome';
COMMENT ON COLUMN meta.runs.source IS 'Where the files came from: gacc, landing or demo';
COMMENT ON COLUMN meta.runs.code_version IS 'Version of this project that ran';
COMMENT ON COLUMN meta.runs.input_fingerprint IS 'SHA-256 over the staged files and the code version a warehouse was built from';
COMMENT ON COLUMN meta.runs.message IS 'Human-readable summary';

CREATE TABLE meta.validation_results (
    run_id VARCHAR NOT NULL,
    release_id VARCHAR,
    batch_id VARCHAR NOT NULL,
    suite_name VARCHAR NOT NULL,
    object_name VARCHAR NOT NULL,
    expectation_type VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    observed_value VARCHAR,
    unexpected_count BIGINT,
    unexpected_examples VARCHAR,
    validated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, suite_name, rule, batch_id)
);
COMMENT ON TABLE meta.validation_results IS 'Every expectation result of every gate run: suite, rule, severity, outcome and offending rows';
COMMENT ON COLUMN meta.validation_results.run_id IS 'Identifier of the pipeline run';
COMMENT ON COLUMN meta.validation_results.release_id IS 'The release validated, where one release is';
COMMENT ON COLUMN meta.validation_results.batch_id IS 'The batch validated: ''period=<period>'' for per-period batches, ''all'' for whole-table rules';
COMMENT ON COLUMN meta.validation_results.suite_name IS 'Great Expectations suite the expectation belongs to';
COMMENT ON COLUMN meta.validation_results.object_name IS 'Table validated (schema.name)';
COMMENT ON COLUMN meta.validation_results.expectation_type IS 'Great Expectations expectation type';
COMMENT ON COLUMN meta.validation_results.rule IS 'The rule checked: a contract constraint or a named business rule';
COMMENT ON COLUMN meta.validation_results.severity IS 'critical stops the publish; warning is recorded and reported';
COMMENT ON COLUMN meta.validation_results.success IS 'True if the expectation held';
COMMENT ON COLUMN meta.validation_results.observed_value IS 'What was observed, as JSON';
COMMENT ON COLUMN meta.validation_results.unexpected_count IS 'Number of rows that broke the expectation';
COMMENT ON COLUMN meta.validation_results.unexpected_examples IS 'Up to a few offending rows, as JSON';
COMMENT ON COLUMN meta.validation_results.validated_at IS 'When the validation ran (UTC)';

CREATE TABLE meta.build_partitions (
    table_name VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    input_fingerprint VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    built_by_run_id VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (table_name, period)
);
COMMENT ON TABLE meta.build_partitions IS 'One row per period of each table stored per period (core.fact_trade_flows): the fingerprint of what its rows were built from; a publish rewrites only the periods whose fingerprint changed';
COMMENT ON COLUMN meta.build_partitions.table_name IS 'Qualified name (schema.table) of a table stored per period';
COMMENT ON COLUMN meta.build_partitions.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN meta.build_partitions.input_fingerprint IS 'SHA-256 over everything the period''s rows were built from (its staged files, the parser, the code, the reference data): equal fingerprints, equal rows';
COMMENT ON COLUMN meta.build_partitions.row_count IS 'Number of rows';
COMMENT ON COLUMN meta.build_partitions.built_by_run_id IS 'The run that built the rows (a carried-over period keeps its first)';
COMMENT ON COLUMN meta.build_partitions.built_at IS 'When the rows were built (UTC)';

CREATE TABLE meta.data_dictionary (
    object_schema VARCHAR NOT NULL,
    object_name VARCHAR NOT NULL,
    object_kind VARCHAR NOT NULL,
    object_description VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    ordinal_position BIGINT NOT NULL,
    data_type VARCHAR NOT NULL,
    unit VARCHAR,
    column_description VARCHAR NOT NULL,
    is_primary_key BOOLEAN NOT NULL,
    is_nullable BOOLEAN NOT NULL,
    PRIMARY KEY (object_schema, object_name, column_name)
);
COMMENT ON TABLE meta.data_dictionary IS 'Every column of every table and view in the warehouse, rendered from the table contracts';
COMMENT ON COLUMN meta.data_dictionary.object_schema IS 'Schema of the table or view';
COMMENT ON COLUMN meta.data_dictionary.object_name IS 'Name of the table or view';
COMMENT ON COLUMN meta.data_dictionary.object_kind IS 'table or view';
COMMENT ON COLUMN meta.data_dictionary.object_description IS 'What the table or view holds';
COMMENT ON COLUMN meta.data_dictionary.column_name IS 'Column name';
COMMENT ON COLUMN meta.data_dictionary.ordinal_position IS 'Position of the column, from 1';
COMMENT ON COLUMN meta.data_dictionary.data_type IS 'DuckDB type of the column';
COMMENT ON COLUMN meta.data_dictionary.unit IS 'Unit of the column''s values';
COMMENT ON COLUMN meta.data_dictionary.column_description IS 'What the column holds';
COMMENT ON COLUMN meta.data_dictionary.is_primary_key IS 'True if the column is part of the primary key';
COMMENT ON COLUMN meta.data_dictionary.is_nullable IS 'True if the column may hold nulls';

CREATE VIEW bi.monthly_trade AS
SELECT s.period, s.period_start, s.months_covered, s.exports_usd, s.imports_usd, s.balance_usd,
       s.exports_cny, s.imports_cny, s.balance_cny,
       CASE WHEN s.exports_yoy_source = 'derived' THEN round(s.exports_yoy_pct, 1) ELSE s.exports_yoy_pct END AS exports_yoy_pct,
       CASE WHEN s.imports_yoy_source = 'derived' THEN round(s.imports_yoy_pct, 1) ELSE s.imports_yoy_pct END AS imports_yoy_pct,
       d.period_kind, s.exports_yoy_source, s.imports_yoy_source, s.value_source
FROM (SELECT * FROM core.fact_trade_surplus QUALIFY NOT (months_covered > 1 AND count(*) FILTER (WHERE months_covered = 1 AND month(period_start) <= 2) OVER (PARTITION BY partner_code, year(period_start)) = 2)) AS s
JOIN core.dim_period AS d USING (period)
WHERE s.partner_code = 'WLD'
ORDER BY s.period_start, s.period;
COMMENT ON VIEW bi.monthly_trade IS 'China''s total trade per period (latest vintage): values in whole US dollars and yuan. A year''s combined January-February period (`YYYY-01..02`) shows only while its split is not known: once the same figure has both `YYYY-01` and `YYYY-02` rows, the combined row is left out (core keeps it)';
COMMENT ON COLUMN bi.monthly_trade.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.monthly_trade.period_start IS 'First day of the reference period';
COMMENT ON COLUMN bi.monthly_trade.months_covered IS 'Number of calendar months in the period';
COMMENT ON COLUMN bi.monthly_trade.exports_usd IS 'Exports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.monthly_trade.imports_usd IS 'Imports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.monthly_trade.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.monthly_trade.exports_cny IS 'Exports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.monthly_trade.imports_cny IS 'Imports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.monthly_trade.balance_cny IS 'Trade balance of the reference period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN bi.monthly_trade.exports_yoy_pct IS 'Year-on-year % of exports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.monthly_trade.imports_yoy_pct IS 'Year-on-year % of imports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.monthly_trade.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';
COMMENT ON COLUMN bi.monthly_trade.exports_yoy_source IS 'Where exports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.monthly_trade.imports_yoy_source IS 'Where imports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.monthly_trade.value_source IS 'Where the period''s exports and imports come from: ''published'', or ''derived'' where either is (January from a Monthly Bulletin February page: its January-February minus its February, never GACC''s print)';

CREATE VIEW bi.partner_trade AS
SELECT s.period, s.partner_code, p.partner_name, s.is_group,
       s.exports_usd, s.imports_usd, s.balance_usd, s.exports_cny, s.imports_cny, s.balance_cny,
       CASE WHEN s.exports_yoy_source = 'derived' THEN round(s.exports_yoy_pct, 1) ELSE s.exports_yoy_pct END AS exports_yoy_pct,
       CASE WHEN s.imports_yoy_source = 'derived' THEN round(s.imports_yoy_pct, 1) ELSE s.imports_yoy_pct END AS imports_yoy_pct,
       d.period_kind, s.exports_yoy_source, s.imports_yoy_source, s.value_source
FROM (SELECT * FROM core.fact_trade_surplus QUALIFY NOT (months_covered > 1 AND count(*) FILTER (WHERE months_covered = 1 AND month(period_start) <= 2) OVER (PARTITION BY partner_code, year(period_start)) = 2)) AS s
JOIN core.dim_partner AS p USING (partner_code)
JOIN core.dim_period AS d USING (period)
ORDER BY s.period_start, s.period, s.partner_code;
COMMENT ON VIEW bi.partner_trade IS 'Trade per period and partner (countries, groups flagged, World = WLD), latest vintage. A year''s combined January-February period (`YYYY-01..02`) shows only while its split is not known: once the same figure has both `YYYY-01` and `YYYY-02` rows, the combined row is left out (core keeps it)';
COMMENT ON COLUMN bi.partner_trade.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.partner_trade.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN bi.partner_trade.partner_name IS 'Partner name in English';
COMMENT ON COLUMN bi.partner_trade.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN bi.partner_trade.exports_usd IS 'Exports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.partner_trade.imports_usd IS 'Imports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.partner_trade.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.partner_trade.exports_cny IS 'Exports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.partner_trade.imports_cny IS 'Imports of the reference period, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.partner_trade.balance_cny IS 'Trade balance of the reference period: exports minus imports, in whole yuan [yuan]';
COMMENT ON COLUMN bi.partner_trade.exports_yoy_pct IS 'Year-on-year % of exports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.partner_trade.imports_yoy_pct IS 'Year-on-year % of imports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.partner_trade.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';
COMMENT ON COLUMN bi.partner_trade.exports_yoy_source IS 'Where exports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.partner_trade.imports_yoy_source IS 'Where imports_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.partner_trade.value_source IS 'Where the period''s exports and imports come from: ''published'', or ''derived'' where either is (January from a Monthly Bulletin February page: its January-February minus its February, never GACC''s print)';

CREATE VIEW bi.trade_surplus AS
SELECT s.period, s.partner_code, s.balance_usd, s.balance_ytd_usd, s.balance_rolling_12m_usd,
       round(s.share_of_total_balance_pct, 1) AS share_of_total_balance_pct,
       p.partner_name, s.is_group, d.period_kind
FROM (SELECT * FROM core.fact_trade_surplus QUALIFY NOT (months_covered > 1 AND count(*) FILTER (WHERE months_covered = 1 AND month(period_start) <= 2) OVER (PARTITION BY partner_code, year(period_start)) = 2)) AS s
JOIN core.dim_partner AS p USING (partner_code)
JOIN core.dim_period AS d USING (period)
ORDER BY s.period_start, s.period, s.partner_code;
COMMENT ON VIEW bi.trade_surplus IS 'Trade balance per period and partner: the period, year to date, rolling 12 months, share of total. A year''s combined January-February period (`YYYY-01..02`) shows only while its split is not known: once the same figure has both `YYYY-01` and `YYYY-02` rows, the combined row is left out (core keeps it)';
COMMENT ON COLUMN bi.trade_surplus.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.trade_surplus.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN bi.trade_surplus.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.trade_surplus.balance_ytd_usd IS 'Trade balance from January to the period''s last month: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.trade_surplus.balance_rolling_12m_usd IS 'Trade balance over the 12 months ending with the period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.trade_surplus.share_of_total_balance_pct IS 'The partner''s balance as a % of China''s total balance for the period; rounded to 1 decimal (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.trade_surplus.partner_name IS 'Partner name in English';
COMMENT ON COLUMN bi.trade_surplus.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN bi.trade_surplus.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';

CREATE VIEW bi.commodity_trade AS
SELECT f.period, f.commodity_code AS hs_code, f.commodity_name, f.partner_code, f.direction,
       f.value_usd, f.value_cny, f.quantity, f.quantity_unit, f.quantity_base, f.quantity_base_unit,
       f.is_aggregate,
       f.commodity_code, c.commodity_code_kind, c.commodity_name_en, c.commodity_name_zh,
       c.hs_heading, c.hs_chapter, d.period_kind
FROM core.fact_trade_flows AS f
JOIN core.dim_commodity AS c USING (commodity_code)
JOIN core.dim_period AS d USING (period)
WHERE f.is_latest_vintage
ORDER BY f.period_start, hs_code, f.partner_code, f.direction;
COMMENT ON VIEW bi.commodity_trade IS 'Trade per period, commodity, partner and direction (tables (5)/(6) and online-query detail)';
COMMENT ON COLUMN bi.commodity_trade.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.commodity_trade.hs_code IS 'The commodity code (kept for existing readers; the same as commodity_code, whose kind commodity_code_kind gives: not always an HS code)';
COMMENT ON COLUMN bi.commodity_trade.commodity_name IS 'Commodity name as published';
COMMENT ON COLUMN bi.commodity_trade.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN bi.commodity_trade.direction IS 'Trade direction: exports by destination (FOB), imports by origin (CIF)';
COMMENT ON COLUMN bi.commodity_trade.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.commodity_trade.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.commodity_trade.quantity IS 'Quantity of the reference period, in quantity_unit';
COMMENT ON COLUMN bi.commodity_trade.quantity_unit IS 'Quantity unit as published (tables (5)/(6), online query)';
COMMENT ON COLUMN bi.commodity_trade.quantity_base IS 'Quantity of the reference period in quantity_base_unit (the printed quantity x the unit''s factor)';
COMMENT ON COLUMN bi.commodity_trade.quantity_base_unit IS 'Base unit of the quantity (ton, piece, set, vehicle, pair, ...), reference/quantity_units.csv';
COMMENT ON COLUMN bi.commodity_trade.is_aggregate IS 'Tables (5)/(6): a row marked ''*'' that sums listed and other items';
COMMENT ON COLUMN bi.commodity_trade.commodity_code IS 'Commodity: HS8, or the project''s code for a GACC commodity label';
COMMENT ON COLUMN bi.commodity_trade.commodity_code_kind IS 'What kind of code commodity_code is: ''hs8'' (an HS 8-digit code), ''hs2'' (an HS chapter), ''gacc_label'' (our code for a GACC commodity label of tables (5)/(6), e.g. M-CRUDE: no HS code)';
COMMENT ON COLUMN bi.commodity_trade.commodity_name_en IS 'English name: GACC''s English label for a gacc_label code; for an HS code, the name of its HS heading, else of its chapter, from the reviewed reference data';
COMMENT ON COLUMN bi.commodity_trade.commodity_name_zh IS 'Chinese name as GACC published it (online-query exports)';
COMMENT ON COLUMN bi.commodity_trade.hs_heading IS 'HS heading (4 digits) where one fits';
COMMENT ON COLUMN bi.commodity_trade.hs_chapter IS 'HS chapter (2 digits)';
COMMENT ON COLUMN bi.commodity_trade.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';

CREATE VIEW bi.trade_mode AS
SELECT f.period, f.trade_mode_code, m.trade_mode, f.direction,
       f.value_usd, f.value_cny, f.value_ytd_usd, f.value_ytd_cny,
       CASE WHEN f.yoy_source = 'derived' THEN round(f.yoy_pct, 1) ELSE f.yoy_pct END AS yoy_pct,
       CASE WHEN f.yoy_ytd_source = 'derived' THEN round(f.yoy_ytd_pct, 1) ELSE f.yoy_ytd_pct END AS yoy_ytd_pct,
       m.is_processing_trade,
       round(f.share_of_total_pct, 1) AS share_of_total_pct,
       round(f.processing_trade_share_pct, 1) AS processing_trade_share_pct,
       d.period_kind, f.yoy_source, f.yoy_ytd_source, f.value_source
FROM (
    SELECT *,
           CASE WHEN yoy_pct_published_usd IS NOT NULL THEN 'published'
                WHEN yoy_pct IS NOT NULL THEN 'derived' END AS yoy_source,
           CASE WHEN yoy_ytd_pct_published_usd IS NOT NULL THEN 'published'
                WHEN yoy_ytd_pct IS NOT NULL THEN 'derived' END AS yoy_ytd_source
    FROM (SELECT * FROM (SELECT * FROM core.fact_trade_mode WHERE is_latest_vintage) QUALIFY NOT (months_covered > 1 AND count(*) FILTER (WHERE months_covered = 1 AND month(period_start) <= 2) OVER (PARTITION BY trade_mode_code, direction, year(period_start)) = 2))
) AS f
JOIN core.dim_trade_mode AS m USING (trade_mode_code)
JOIN core.dim_period AS d USING (period)
ORDER BY f.period_start, f.period, f.trade_mode_code, f.direction;
COMMENT ON VIEW bi.trade_mode IS 'Trade per period, trade mode (customs regime) and direction (tables (2)/(3), the Monthly Bulletin''s customs-regime table), latest vintage. A year''s combined January-February period (`YYYY-01..02`) shows only while its split is not known: once the same figure has both `YYYY-01` and `YYYY-02` rows, the combined row is left out (core keeps it)';
COMMENT ON COLUMN bi.trade_mode.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.trade_mode.trade_mode_code IS 'Tables (2)/(3): the trade mode (customs regime), reference/trade_modes.csv';
COMMENT ON COLUMN bi.trade_mode.trade_mode IS 'Trade mode (customs regime), English label from the reference data';
COMMENT ON COLUMN bi.trade_mode.direction IS 'Trade direction: exports by destination (FOB), imports by origin (CIF)';
COMMENT ON COLUMN bi.trade_mode.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.trade_mode.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.trade_mode.value_ytd_usd IS 'Trade value from January to the period''s last month, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.trade_mode.value_ytd_cny IS 'Trade value from January to the period''s last month, in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.trade_mode.yoy_pct IS 'Year-on-year % of value_usd: GACC''s figure where published for this value (table (2); the cumulative''s for a Jan-Feb period), else derived from the same period a year earlier, else null; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_mode) [percent]';
COMMENT ON COLUMN bi.trade_mode.yoy_ytd_pct IS 'Year-on-year % of value_ytd_usd: GACC''s figure (table (3)), else derived, else null; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_mode) [percent]';
COMMENT ON COLUMN bi.trade_mode.is_processing_trade IS 'True for the regimes of processing trade (materials supplied, imported materials) and their sum';
COMMENT ON COLUMN bi.trade_mode.share_of_total_pct IS 'The row''s value_usd as a % of the Total Value of the same period and direction; rounded to 1 decimal (full precision in core.fact_trade_mode) [percent]';
COMMENT ON COLUMN bi.trade_mode.processing_trade_share_pct IS 'Processing trade (materials supplied plus imported materials) as a % of the Total Value of the same period and direction, in USD; rounded to 1 decimal (full precision in core.fact_trade_mode) [percent]';
COMMENT ON COLUMN bi.trade_mode.period_kind IS 'What the period covers: ''month'', or ''jan_feb_combined'' (GACC''s January-February period, published as one). Never add a jan_feb_combined row to January or February rows of the same figure (a Monthly Bulletin February page gives both: the January-February period, and February with a derived January)';
COMMENT ON COLUMN bi.trade_mode.yoy_source IS 'Where yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.trade_mode.yoy_ytd_source IS 'Where yoy_ytd_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.trade_mode.value_source IS 'Where the row''s values come from: ''published'' (printed by GACC) or ''derived'' (computed here from printed figures, never GACC''s print: January from a Monthly Bulletin February page, its January-February minus its February, with no published y/y)';

CREATE VIEW bi.annual_trade AS
SELECT year(s.period_start) AS year, s.partner_code,
       s.exports_ytd_usd AS exports_usd, s.imports_ytd_usd AS imports_usd, s.balance_ytd_usd AS balance_usd,
       CASE WHEN s.exports_ytd_yoy_source = 'derived' THEN round(s.exports_ytd_yoy_pct, 1) ELSE s.exports_ytd_yoy_pct END AS exports_yoy_pct,
       CASE WHEN s.imports_ytd_yoy_source = 'derived' THEN round(s.imports_ytd_yoy_pct, 1) ELSE s.imports_ytd_yoy_pct END AS imports_yoy_pct,
       p.partner_name, s.is_group,
       s.exports_ytd_yoy_source AS exports_yoy_source, s.imports_ytd_yoy_source AS imports_yoy_source
FROM core.fact_trade_surplus AS s
JOIN core.dim_partner AS p USING (partner_code)
WHERE s.period LIKE '%-12'
ORDER BY year, s.partner_code;
COMMENT ON VIEW bi.annual_trade IS 'Trade per calendar year and partner, from the January-December values of the latest vintage';
COMMENT ON COLUMN bi.annual_trade.year IS 'Calendar year of the reference period';
COMMENT ON COLUMN bi.annual_trade.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN bi.annual_trade.exports_usd IS 'Exports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.annual_trade.imports_usd IS 'Imports of the reference period, in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.annual_trade.balance_usd IS 'Trade balance of the reference period: exports minus imports, in whole US dollars [US dollars]';
COMMENT ON COLUMN bi.annual_trade.exports_yoy_pct IS 'Year-on-year % of exports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.annual_trade.imports_yoy_pct IS 'Year-on-year % of imports_usd: GACC''s figure where published for this value, else derived; a derived value is rounded to 1 decimal, as GACC publishes (full precision in core.fact_trade_surplus) [percent]';
COMMENT ON COLUMN bi.annual_trade.partner_name IS 'Partner name in English';
COMMENT ON COLUMN bi.annual_trade.is_group IS 'True for the world and for groups of countries';
COMMENT ON COLUMN bi.annual_trade.exports_yoy_source IS 'Where exports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';
COMMENT ON COLUMN bi.annual_trade.imports_yoy_source IS 'Where imports_ytd_yoy_pct comes from: ''published'' (GACC''s printed figure, one decimal) or ''derived'' (computed here from this value and the same value a year earlier); null where there is no y/y';

CREATE VIEW bi.revisions AS
SELECT period, partner_code, direction, revised_measure, release_id, vintage_source, public_on,
       is_latest_vintage, value_whole_units, previous_whole_units,
       value_whole_units - previous_whole_units AS change_whole_units,
       CASE WHEN previous_whole_units <> 0
            THEN 100 * CAST(value_whole_units - previous_whole_units AS DOUBLE) / previous_whole_units
       END AS change_pct,
       first_print_whole_units,
       CAST(public_on - first_print_on AS BIGINT) AS days_since_first_print
FROM (
    SELECT *,
           lag(value_whole_units) OVER (PARTITION BY period, partner_code, direction, revised_measure ORDER BY vintage_precedence) AS previous_whole_units,
           first_value(value_whole_units) OVER by_print AS first_print_whole_units,
           first_value(public_on) OVER by_print AS first_print_on
    FROM (
        UNPIVOT (
            SELECT period, period_start, partner_code, direction, release_id, vintage_source, public_on,
                   vintage_precedence, is_latest_vintage, value_usd, value_cny, value_ytd_usd, value_ytd_cny
            FROM core.fact_partner_trade
        )
        ON value_usd, value_cny, value_ytd_usd, value_ytd_cny
        INTO NAME revised_measure VALUE value_whole_units
    )
    WINDOW by_print AS (PARTITION BY period, partner_code, direction, revised_measure ORDER BY public_on, vintage_precedence)
)
ORDER BY period_start, period, partner_code, direction, revised_measure, vintage_precedence;
COMMENT ON VIEW bi.revisions IS 'Every vintage of every partner-trade figure (period x partner x direction x measure): its value, the previous vintage''s (under the precedence rule), the revision, and the first print';
COMMENT ON COLUMN bi.revisions.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.revisions.partner_code IS 'Partner: ISO 3166 alpha-3 for countries, WLD for the world, a group code (EU, ASEAN, ...)';
COMMENT ON COLUMN bi.revisions.direction IS 'Trade direction';
COMMENT ON COLUMN bi.revisions.revised_measure IS 'Which figure of the partner''s trade: the period value or the January-to-month value, in US dollars or yuan (a column of core.fact_partner_trade)';
COMMENT ON COLUMN bi.revisions.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN bi.revisions.vintage_source IS 'Where this vintage of the figure comes from: the preliminary release, a later preliminary page''s reprint of an earlier figure, the Monthly Bulletin, or an online-query export';
COMMENT ON COLUMN bi.revisions.public_on IS 'The date this vintage became public: its release''s publication date, or the date its file was retrieved where no publication date is known; as-of queries see the vintages public on or before their date';
COMMENT ON COLUMN bi.revisions.is_latest_vintage IS 'True for the row of the newest release of its period (the one vintage_precedence picks); BI views show only these';
COMMENT ON COLUMN bi.revisions.value_whole_units IS 'The figure in this vintage, in whole currency units of its measure (US dollars or yuan) [currency units]';
COMMENT ON COLUMN bi.revisions.previous_whole_units IS 'The same figure in the vintage before this one under the precedence rule; null for the first [currency units]';
COMMENT ON COLUMN bi.revisions.change_whole_units IS 'This vintage''s value minus the previous vintage''s: the revision [currency units]';
COMMENT ON COLUMN bi.revisions.change_pct IS 'The revision as a % of the previous vintage''s value [percent]';
COMMENT ON COLUMN bi.revisions.first_print_whole_units IS 'The same figure in its first print (the earliest vintage public) [currency units]';
COMMENT ON COLUMN bi.revisions.days_since_first_print IS 'Days from the first print''s public_on to this vintage''s [days]';

CREATE VIEW bi.revision_triangle AS
SELECT period, direction,
       row_number() OVER by_print AS vintage_number,
       public_on, release_id, vintage_source, value_usd, value_cny,
       value_usd - first_value(value_usd) OVER by_print AS change_from_first_print_usd,
       is_latest_vintage
FROM core.fact_partner_trade
WHERE partner_code = 'WLD'
WINDOW by_print AS (PARTITION BY period, direction ORDER BY public_on, vintage_precedence)
ORDER BY period_start, period, direction, vintage_number;
COMMENT ON VIEW bi.revision_triangle IS 'China''s totals (World) per reference period and vintage: each vintage''s value in order of publication, and its change from the first print (pivot vintage_number into columns for a triangle)';
COMMENT ON COLUMN bi.revision_triangle.period IS 'Reference period: a month YYYY-MM, or YYYY-01..02 for the combined January-February period. A Monthly Bulletin February page gives three: YYYY-01..02 (its January-February column, filed as the preliminary release files it, so that the two vintages compare like with like), YYYY-02 (February alone) and YYYY-01 (January, derived: value_source ''derived'')';
COMMENT ON COLUMN bi.revision_triangle.direction IS 'Trade direction';
COMMENT ON COLUMN bi.revision_triangle.vintage_number IS '1 for a figure''s first print, 2 for the next vintage public, and so on';
COMMENT ON COLUMN bi.revision_triangle.public_on IS 'The date this vintage became public: its release''s publication date, or the date its file was retrieved where no publication date is known; as-of queries see the vintages public on or before their date';
COMMENT ON COLUMN bi.revision_triangle.release_id IS 'The release (vintage) a row comes from: product, reference period and publication date';
COMMENT ON COLUMN bi.revision_triangle.vintage_source IS 'Where this vintage of the figure comes from: the preliminary release, a later preliminary page''s reprint of an earlier figure, the Monthly Bulletin, or an online-query export';
COMMENT ON COLUMN bi.revision_triangle.value_usd IS 'Trade value of the reference period (the month, or Jan-Feb), in whole US dollars as published (never converted) [US dollars]';
COMMENT ON COLUMN bi.revision_triangle.value_cny IS 'Trade value of the reference period (the month, or Jan-Feb), in whole yuan as published (never converted) [yuan]';
COMMENT ON COLUMN bi.revision_triangle.change_from_first_print_usd IS 'value_usd minus the first print''s value_usd [US dollars]';
COMMENT ON COLUMN bi.revision_triangle.is_latest_vintage IS 'True for the row of the newest release of its period (the one vintage_precedence picks); BI views show only these';
