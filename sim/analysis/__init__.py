"""Analytic results and statistics used to check and summarise simulations."""
