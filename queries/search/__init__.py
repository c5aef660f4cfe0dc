"""Finding subjects from what a user types: identifiers and names."""
