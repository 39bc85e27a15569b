"""Every error Taskmaster raises on purpose, in one place.

    TaskmasterError                 exit 1, HTTP 500
    ├── ConfigError                 exit 3, HTTP 500   settings / application files
    │   └── ApplicationError        exit 3, HTTP 422   a broken application YAML (file, line, key)
    ├── InputError                  exit 2, HTTP 422   a file we will not or cannot read
    │   ├── UnsupportedFormat       exit 2, HTTP 415
    │   ├── CorruptFile             exit 2, HTTP 422
    │   └── LimitExceeded           exit 2, HTTP 413   bytes, pages or pixels over the limit
    ├── NotFound                    exit 4, HTTP 404
    ├── Conflict                    exit 5, HTTP 409   e.g. a batch leased to someone else
    ├── AuthError                   exit 6, HTTP 401
    │   ├── Forbidden               exit 6, HTTP 403
    │   │   └── PasswordChangeRequired  HTTP 403   a printed password not yet changed
    │   └── RateLimited             exit 6, HTTP 429   too many failed logins
    ├── EngineError                 exit 1, HTTP 503   an engine failed; a retry may help
    ├── DeliveryError               exit 1, HTTP 502   an export's receiver failed; a retry may help
    └── Busy                        exit 1, HTTP 429   every file decoder is busy; retry soon

A class's docstring is its default message. Each class knows its exit code, its HTTP
status and whether retrying the task can help; the CLI, the HTTP layer and the worker
translate errors in exactly one place each.
"""

from __future__ import annotations

from taskmaster.logs import escape


class TaskmasterError(Exception):
    """Taskmaster failed."""

    exit_code: int = 1
    http_status: int = 500
    retryable: bool = False

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        """The message on one line: control characters (a newline in a file's name, say)
        escaped, so it cannot forge a line of a log, of stderr or of a reason file."""
        return escape(str(self.args[0]))


class ConfigError(TaskmasterError):
    """The configuration is invalid."""

    exit_code = 3


class ApplicationError(ConfigError):
    """An application definition is invalid."""

    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.file, self.line, self.key = file, line, key
        where = ":".join(str(p) for p in (file, line) if p is not None)
        prefix = f"{where}: " if where else ""
        at = f"{key}: " if key else ""
        super().__init__(f"{prefix}{at}{message}")


class InputError(TaskmasterError):
    """The input file cannot be processed."""

    exit_code = 2
    http_status = 422


class UnsupportedFormat(InputError):
    """The file is not a supported document format."""

    http_status = 415


class CorruptFile(InputError):
    """The file is damaged or truncated."""


class LimitExceeded(InputError):
    """The file exceeds a configured limit."""

    http_status = 413


class NotFound(TaskmasterError):
    """Not found."""

    exit_code = 4
    http_status = 404


class Conflict(TaskmasterError):
    """The request conflicts with the current state."""

    exit_code = 5
    http_status = 409


class AuthError(TaskmasterError):
    """Authentication required."""

    exit_code = 6
    http_status = 401


class Forbidden(AuthError):
    """You are not allowed to do this."""

    http_status = 403


class PasswordChangeRequired(Forbidden):
    """Change your password first (POST /api/v1/auth/password, or /password in a browser)."""


class RateLimited(AuthError):
    """Too many failed attempts; try again later."""

    http_status = 429


class EngineError(TaskmasterError):
    """A recognition engine failed."""

    http_status = 503
    retryable = True


class DeliveryError(TaskmasterError):
    """An export could not be delivered; a retry may help."""

    http_status = 502
    retryable = True


class Busy(TaskmasterError):
    """The server is busy checking other files; try again in a few seconds."""

    http_status = 429
    retryable = True
