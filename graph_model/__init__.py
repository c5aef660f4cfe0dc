"""The ground of creditkb: the schema and its value sets as data, identifier types, region
codes, names, settings, the error root, the YAML reader, and the store port with its two
adapters (graph_model.store).  It imports nothing else of creditkb."""
