"""The investigators' tracing queries: related subjects, paths, shared identifiers,
clusters and successor shells."""
