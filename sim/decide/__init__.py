"""Deciding from experiments: calibration against published figures (optimisation, selection and
sensitivity analysis will live here too)."""
