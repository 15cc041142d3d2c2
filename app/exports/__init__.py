"""Downloads and commands that export published trip plans and approved pairings."""
