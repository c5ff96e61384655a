"""Integration tests run whole Prefect flows for real, against the Prefect test harness.

Their session fixtures (`prefect_harness`, `prefect_api_url`, `published_demo`, `published_demo_copy`)
are in tests/conftest.py, shared with the reliability tests.
"""
