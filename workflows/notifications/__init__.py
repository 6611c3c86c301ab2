"""Emails the PD domain sends: to schools, specialists and the hub."""
