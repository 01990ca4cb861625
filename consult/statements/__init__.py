"""Statements: positions and arguments, their support/attack links, the thread page's parts."""
