"""Sluice's asset graph: one sub-package per domain, assembled in definitions.py."""
