"""The credit rules: jurisdiction, grade scales, recognition, watchlists, discipline,
repair and inspection (scoring: queries.scoring)."""
