"""Exact results the simulated model is checked against (queueing theory)."""
