"""Replay source: a local stand-in for the TMDb API v3, serving the shipped movie snapshot.

Run it with `python -m services.source --port 8792` (key from `TRENDING_TMDB_API_KEY`); the
pipeline's ingest stage talks to it exactly as it would to api.themoviedb.org/3. Routes, shapes,
auth and error bodies follow the team SPEC; `faults.py` injects errors, 429s, latency and
malformed bodies, switchable at start and at run time (`PUT /_admin/faults`); `drift.py` shifts
what is served (another genre mix, other languages, shorter reviews) through the same switches.

Trending derivation (the snapshot has no trending list, only a flag):
- `day`: the movies whose `in_tmdb_lists_2026_03_09` flag is true (they were on TMDb's popular,
  top-rated, now-playing or upcoming lists that day), by popularity descending, ties by id
  ascending.
- `week`: all movies, the flagged ones first and then the rest, each group by popularity
  descending, ties by id ascending.

Pages hold 20 results; a page outside 1..500 is a 400 as on TMDb, and a page past the last one
is a 200 with no results (TMDb does the same).
"""
