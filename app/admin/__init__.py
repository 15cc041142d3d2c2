"""Administration: user accounts (invite, deactivate, reset, attach to organisations)."""
