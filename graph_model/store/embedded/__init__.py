"""The embedded adapter of the store port: SQLite on disk, a CSR topology in memory."""
