"""Follow-up of past trips: the forms members answer and the answers coordinators read."""
