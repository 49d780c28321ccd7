"""Outputs for readers: briefing figures (``plots``) and reports (``report``), made from a results folder."""
