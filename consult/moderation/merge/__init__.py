"""Merging duplicates: a statement's links and votes move to the one it repeats."""
