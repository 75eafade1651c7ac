"""legame: customer loyalty built on what actually creates it.

Value per customer (CLV), promoters and detractors (NPS), emotional connection, good
service, respectful contact and gratitude the brand gives back, measured on one store.
"""

__version__ = "0.1.0"
