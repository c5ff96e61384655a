"""The rules' parameters: each declared once, used by a rule, and shown with its reason."""

from __future__ import annotations

from expectations.parameters import IMPLIED_RATE_MAX, IMPLIED_RATE_MIN, PARAMETERS
from expectations.rules import RULES, rule_named
from warehouse.tables import FACT_PARTNER_TRADE


def test_every_parameter_is_used_by_a_rule_and_explained() -> None:
    used = {p for rule in RULES for p in rule.parameters}
    assert used == set(PARAMETERS)
    assert len({p.name for p in PARAMETERS}) == len(PARAMETERS)
    assert all(p.why for p in PARAMETERS)


def test_a_rule_renders_its_parameters_into_its_description_and_notes() -> None:
    rule = rule_named("implied_rate_plausible", FACT_PARTNER_TRADE)
    (expectation,) = rule.expectations
    assert expectation.kwargs["min_value"] == IMPLIED_RATE_MIN.value
    assert expectation.kwargs["max_value"] == IMPLIED_RATE_MAX.value
    assert "between 5 and 9 yuan per dollar" in expectation.description
    assert "- implied_rate_min = 5 CNY per USD: " in rule.notes
