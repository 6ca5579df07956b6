"""Procedures run by hand: on a deployed stack (the cache token), and on the package itself
(a release, a new service that pins one)."""
