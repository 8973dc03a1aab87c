"""One harness for the tests and `kb bench`: Chromium, a static server, nginx, the search runner."""
