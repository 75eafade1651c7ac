"""Measurements on the store: NPS, service, contact pressure, emotional connection."""
