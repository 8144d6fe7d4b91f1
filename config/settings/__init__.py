"""Settings: ``base`` is true everywhere; ``dev``, ``test`` and ``prod`` pick the backends."""
