"""Settings are split by environment: ``base`` is secure by default, ``dev``
relaxes it for a laptop, ``test`` makes the suite fast and hermetic, and
``production`` refuses to start without the environment it needs."""
