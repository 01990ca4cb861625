"""The audit log: every domain appends to it; moderators read and export it."""
