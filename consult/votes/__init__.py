"""Votes: agree, disagree or pass; one per person per statement, the latest counts."""
