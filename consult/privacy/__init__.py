"""A participant's own data: download everything as JSON, delete the account, the privacy page."""
