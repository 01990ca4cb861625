"""Blocks and suspensions, from the moderators' side: who may, and what happens to content."""
