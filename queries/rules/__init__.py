"""The credit rules: jurisdiction, grade scales, recognition, watchlists, discipline,
repair, scoring and inspection."""
