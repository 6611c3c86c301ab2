"""What every feature's admin and models build on: the scoped viewset base, stale-edit
protection, exports, bulk actions, shared model fields and the PD menu."""
