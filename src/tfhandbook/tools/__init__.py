"""The maintainer's tools, each run by a nox session: bench, flake, audit, the local server
and the source hygiene lint."""
