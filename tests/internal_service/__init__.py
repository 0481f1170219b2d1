"""Internal service, key-person risk, recommendations and trends: ticket handoffs (bounces, ping-pongs,
no owner), what if a broker leaves, what to do, and how groups and links change over time."""
