"""Trending Now: an MLOps reference pipeline."""
