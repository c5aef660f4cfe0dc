"""Who may see what: API keys, the audit log and the visibility rule."""
