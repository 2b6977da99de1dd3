"""The home page: a dashboard per role, each widget loaded on its own (docs/home.md)."""
