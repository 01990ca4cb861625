"""Notifications: in-app messages to people and the e-mail sent after a commit."""
