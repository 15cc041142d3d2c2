"""Delegation trips: the shapes of a trip problem and its plan, the rules a plan obeys, the planner."""
