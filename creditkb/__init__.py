"""creditkb: a graph-based, cross-agency credit knowledge base for transport regulators."""

from importlib import metadata

__version__ = metadata.version("creditkb")  # pyproject.toml's, as installed
