"""The data-quality gate: nothing reaches the warehouse unless it passes.

- `expectations.checks`: what every check shares (`Check`, `ExpectationSpec`, severities, loading GX);
- `expectations.suites`: Great Expectations suites generated from the table contracts;
- `expectations.rules`: business rules (arithmetic identities, plausibility), declared once in `RULES`;
- `expectations.parameters`: the rules' tolerances and thresholds, each with why it has its value;
- `expectations.gate`: `run_gate(...)` runs them all and returns a `GateResult` whose `results` are the
  rows of `meta.validation_results`;
- `expectations.docs`: `build_data_docs(...)` writes GX Data Docs as static HTML.

Importing any of these does not import Great Expectations (about 3 s): it is loaded on first use.
"""
