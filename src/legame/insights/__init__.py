"""Findings: one module per tested claim."""
