"""Browser tests of the web app (frontend/) against the real API, in Debian's chromium."""

import pytest

# Plain asserts in the harness (BrowserSession.assert_clean) report their values too.
pytest.register_assert_rewrite("tests.e2e.harness")
