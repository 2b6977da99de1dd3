"""Web analytics models."""
