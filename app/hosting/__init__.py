"""Hosts confirm the delegation meetings published for them: in the app or from a signed link in a mail."""
