"""Private calendar subscriptions: an address per delegate or per host organisation that follows the plan."""
