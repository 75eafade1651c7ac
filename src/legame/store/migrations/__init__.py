"""Ordered schema migrations: ``NNNN_name.sql`` files applied in number order."""
