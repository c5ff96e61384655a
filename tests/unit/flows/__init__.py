"""Tests of the flows/ modules: the CLI entry."""
