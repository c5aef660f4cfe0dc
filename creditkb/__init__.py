"""creditkb: a graph-based, cross-agency credit knowledge base for transport regulators."""

__version__ = "0.1.0"
