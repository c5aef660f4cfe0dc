"""The graph model: schema as data, identifier types and region codes."""
