"""Accounts: login, logout, password change, sessions kept on the server, login throttling."""
