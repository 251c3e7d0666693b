"""Checking rulebooks: lint, rule tests and scaffolds."""
