"""Likely duplicates: statements that say the same thing (debate.similarity on the texts)."""
