"""Schools: the register the hub works from, imported from GIAS, and the school chooser."""
