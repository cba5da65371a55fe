from tests.web.conftest import site  # noqa: F401  (the same fixture for the API tests)
