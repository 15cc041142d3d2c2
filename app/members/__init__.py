"""Members: suggested partners for their organisation, their stance on each, and their profile."""
