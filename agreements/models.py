"""Models arrive with the feature issue for this app."""
