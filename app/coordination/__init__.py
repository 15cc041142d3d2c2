"""Coordination: the review queue of pairings, the audit trail, coverage and the network picture."""
