"""The audit log of coordinators and administrators: every change, who made it and when."""
