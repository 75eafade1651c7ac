"""Engagement that respects the customer: contact governor, message check, gratitude program."""
