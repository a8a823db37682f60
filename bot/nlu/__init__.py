"""NLU components of our own, used in config.yml."""
