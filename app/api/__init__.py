"""The JSON API (/api/v1) and the personal API tokens of the account page."""
