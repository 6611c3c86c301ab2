"""Applications: the public form, the hub's queue and decisions, offers answered online, placement."""
