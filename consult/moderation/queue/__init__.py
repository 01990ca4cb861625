"""The review queue: pending and flagged statements, with what a moderator needs to decide."""
