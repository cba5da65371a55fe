"""The one error type of identity services, so views, the API and the CLI can report it."""

from __future__ import annotations


class IdentityError(ValueError):
    """Bad input to an identity service; ``message`` is meant for the user as it is.

    ``field`` names the input at fault (shown next to it on forms, under ``fields`` in the
    API); ``status`` is the HTTP status the API answers with: 422 for invalid values,
    409 for a conflict with the current state (duplicate name, last admin, a role in use).
    """

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}
