"""Management commands of the PD domain."""
