"""The public, read-only Trending Now API over the published serving database."""
