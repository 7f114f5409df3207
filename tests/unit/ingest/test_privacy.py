"""Reviewer privacy: salted pseudonyms, scrubbed text, sanitised review objects."""

from __future__ import annotations

import pytest

from tests.utils.raw_records import make_wire_review
from trending_now.ingest.privacy import pseudonymise, sanitise_review, scrub_text

SALT = "pepper-for-tests"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links here, **bold** and _italics_", "no links here, **bold** and _italics_"),
        ("see http://a.com/x.", "see [url]."),
        ("https://blog.example.com/p?a=1&b=2#frag is mine", "[url] is mine"),
        ("www.foo.com/bar, and (http://q.com)", "[url], and ([url])"),
        ("HTTPS://LOUD.EXAMPLE.COM/PATH", "[url]"),
        ("[my blog](https://blog.example.com/p) rocks", "my blog [url] rocks"),
        ('[site](http://x.org "title") here', "site [url] here"),
        ("[http://x.com](http://x.com)", "[url]"),
        ('<a href="https://x.org">read more</a>!', "read more [url]!"),
        ("<a target='_blank' href='http://x.org/a'>\nmy\nblog</a>", "my\nblog [url]"),
        ('<a href="https://x.org">https://x.org</a>', "[url]"),
        ("<https://x.y/z>", "[url]"),
        ("mail me a.b+c@x.co.uk, ok", "mail me [email], ok"),
        ("mailto:critic@example.com", "mailto:[email]"),
        ("x@y is not an address", "x@y is not an address"),
        ("awwww.<br /><br />", "awwww.<br /><br />"),
        ("Rated 5/10. www. is not a site", "Rated 5/10. www. is not a site"),
        ("[spoiler](#) stays", "[spoiler](#) stays"),
    ],
)
def test_scrub_text(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


def test_pseudonymise_is_stable_salted_and_short() -> None:
    first = pseudonymise("CinemaSerf", SALT)
    assert first == pseudonymise("CinemaSerf", SALT)
    assert first != pseudonymise("CinemaSerf", "other-salt")
    assert first != pseudonymise("cinemaserf", SALT)
    assert len(first) == 16
    assert int(first, 16) >= 0  # hex digits only


def test_pseudonymise_matches_hmac_sha256() -> None:
    # HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog"), RFC 4231 style.
    expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"[:16]
    assert pseudonymise("The quick brown fox jumps over the lazy dog", "key") == expected


def test_sanitise_review_hashes_author_and_drops_identity() -> None:
    review = make_wire_review("r1", content="Great! Contact me at jane@example.com")
    clean = sanitise_review(review, SALT)
    assert "author" not in clean
    assert clean["author_hash"] == pseudonymise("Jane Critic", SALT)
    assert clean["author_details"] == {"rating": 8.0}
    assert clean["content"] == "Great! Contact me at [email]"
    assert clean["url"] == review["url"]  # the review's own TMDb link is metadata, kept
    assert review["author"] == "Jane Critic"  # the input is not mutated


def test_sanitise_review_falls_back_to_username() -> None:
    review = make_wire_review("r2", author="")
    assert sanitise_review(review, SALT)["author_hash"] == pseudonymise("janecritic", SALT)


def test_sanitise_review_without_author_has_null_hash() -> None:
    review = make_wire_review(
        "acl-1",
        author=None,
        author_details={"name": "", "username": None, "avatar_path": None, "rating": 3.0},
        source="imdb_large_movie_review_v1",
    )
    clean = sanitise_review(review, SALT)
    assert clean["author_hash"] is None
    assert clean["author_details"] == {"rating": 3.0}
