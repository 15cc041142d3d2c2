"""Delegation trips: set-up, planning with the engine's candidates, the draft, publication."""
