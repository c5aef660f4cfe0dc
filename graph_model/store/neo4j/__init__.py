"""The Neo4j adapter of the store port."""
