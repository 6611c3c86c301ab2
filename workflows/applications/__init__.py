"""Applications after they are made: offers answered online, placement in bulk, closing moot ones."""
