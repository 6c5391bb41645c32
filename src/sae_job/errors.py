"""Typed errors: what SAE, its gateway or the network said, as exceptions a caller can branch on. Every
exception this package raises on purpose derives from :class:`SaeJobError`, except bad arguments, which
raise ``ValueError``/``TypeError`` (:class:`~sae_job.ArgumentError` and the like) before anything is sent."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sae_job.models import JobStatus

__all__ = [
    "AmbiguousTemplateError",
    "ApplicationNotFoundError",
    "AuthenticationError",
    "CredentialsError",
    "CredentialsNotFoundError",
    "InvalidParameterError",
    "JobFailedError",
    "JobForbidPolicyError",
    "JobRefusedError",
    "JobSuspendError",
    "NamespaceNotFoundError",
    "SaeError",
    "SaeJobError",
    "ServerError",
    "TemplateNotFoundError",
    "ThrottlingError",
    "TransportError",
    "UnexpectedResponseError",
    "UserInDebtError",
    "WaitTimeoutError",
]


# An STS token quoted back by the server: the gateway's V2 SignatureDoesNotMatch message shows its string
# to sign, x-acs-security-token:<token> included; an answer may echo the request's headers or query.
_QUOTED_TOKEN = re.compile(
    r"(?i)((?:x-acs-security-token|securitytoken)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}<]+"
)


def redact_secrets(text: str) -> str:
    """``text`` with any STS token quoted in it (as a header or a parameter) replaced by ``<redacted>``.

    >>> redact_secrets("GET\\nx-acs-security-token:CAIS.abc/def=\\n/pop")
    'GET\\nx-acs-security-token:<redacted>\\n/pop'
    """
    return _QUOTED_TOKEN.sub(r"\1<redacted>", text)


class SaeJobError(Exception):
    """The base of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt without __init__: the default pickling would lose keyword-only attributes, or the
        # constructor refuse the args. __new__ sets args, the state the attributes.
        return (type(self).__new__, (type(self), *self.args), dict(self.__dict__))


class CredentialsError(SaeJobError):
    """Credentials were found but cannot be used, or a credentials provider gave unusable ones. When the
    aliyun CLI ``profile`` (``"profile 'x' in PATH"``) has a ``mode`` that sae-job does not read itself,
    both are set: a provider object reads it."""

    profile: str | None = None
    mode: str | None = None


class CredentialsNotFoundError(CredentialsError):
    """No credentials where the default chain looks (``tried``: each place and why it gave none), or the
    chosen profile does not exist (``tried`` empty)."""

    tried: tuple[str, ...] = ()


NO_SECOND_JOB = "calling again with the same event_id cannot start a second job"


class _MayHaveStarted(SaeJobError):
    """An error after which ExecJob's job may have started: with an ``event_id``, ``str()`` ends by saying
    that calling again with it cannot start a second job; :attr:`problem` is what went wrong alone."""

    event_id: str | None = None

    @property
    def problem(self) -> str:
        """The message without the sentence on calling again."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.problem + (f"; {NO_SECOND_JOB}" if self.event_id is not None else "")


class TransportError(_MayHaveStarted):
    """No answer after every retry (its ``httpx`` error is ``__cause__``). The job may have started: call
    again with the same :attr:`event_id` to find out without starting a second one. :attr:`sent` is
    False when no attempt got as far as a connection: then nothing reached the server."""

    def __init__(
        self, message: str, *, event_id: str | None = None, attempts: int = 1, sent: bool = True
    ) -> None:
        super().__init__(message)
        self.event_id = event_id
        self.attempts = attempts
        self.sent = sent


class UnexpectedResponseError(_MayHaveStarted):
    """The server answered with something the spec does not describe (not JSON, missing fields)."""

    def __init__(self, message: str, *, status_code: int, body: bytes, event_id: str | None = None) -> None:
        super().__init__(redact_secrets(message))
        self.status_code = status_code
        # a codec's name ignores case
        self.body = redact_secrets(body[:2000].decode("latin-1")).encode("latin-1")  # pragma: no mutate
        """The first 2,000 bytes of the answer, any STS token quoted in them redacted."""
        self.event_id = event_id


class SaeError(SaeJobError):
    """An error answer from SAE or its gateway: ``code`` says what went wrong (an unknown code stays a
    plain ``SaeError``); ``str()`` is ``InvalidApplication.NotFound: … (request 67DD…)``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        trace_id: str | None = None,
        status_code: int | None = None,
        recommend: str | None = None,
        host_id: str | None = None,
        retry_after: float | None = None,
        event_id: str | None = None,
    ) -> None:
        self.code = code
        self.message = redact_secrets(message)
        self.request_id = request_id
        self.trace_id = trace_id
        self.status_code = status_code
        self.recommend = recommend
        self.host_id = host_id
        self.retry_after = retry_after
        self.event_id = event_id
        super().__init__(self.__str__())

    def __str__(self) -> str:
        request = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.code}: {self.message}{request}"

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(code={self.code!r}, message={self.message!r}, request_id={self.request_id!r})"


class JobRefusedError(SaeError):
    """SAE refused to start the job: one of the four documented ExecJob errors."""


class ApplicationNotFoundError(JobRefusedError):
    """``InvalidApplication.NotFound`` or ``InvalidAppId.NotFound``: no job template has this ``AppId``."""


class NamespaceNotFoundError(JobRefusedError):
    """``InvalidNamespaceId.NotFound``: the region has no namespace with this ID (``cn-hangzhou:dev``)."""


class JobForbidPolicyError(JobRefusedError):
    """``JobForbidPolicy``: the template's concurrency policy is Forbid and a job is still running."""


class JobSuspendError(JobRefusedError):
    """``JobSuspend``: the job template is suspended."""


class UserInDebtError(JobRefusedError):
    """``user.indebt``: the account has an overdue payment."""


class JobFailedError(SaeError):
    """``JobFailed``: the job ran and failed. ``status`` is its final :class:`~sae_job.JobStatus`; the
    message carries the service's, when it gave one."""

    status: JobStatus | None = None


class WaitTimeoutError(SaeError):
    """``WaitTimeout``: the wait ran out before the job ended. The job was not touched and may still be
    running; ``status`` is the last one seen (None when no look succeeded)."""

    status: JobStatus | None = None


class TemplateNotFoundError(SaeError):
    """``TemplateNotFound``: no job template has exactly this ``name`` (in ``namespace_id``, when one was
    given). Raised by ``find_template``; ``request_id`` is ListJobs' own."""

    name: str = ""
    namespace_id: str | None = None


class AmbiguousTemplateError(SaeError):
    """``AmbiguousTemplate``: job templates in several namespaces have this ``name``; ``namespaces`` lists
    them, ``templates`` each one's ``(app_id, namespace_id)``, and ``namespace_id=`` (``--namespace`` on
    the command line) picks one. Raised by ``find_template``."""

    name: str = ""
    namespaces: tuple[str, ...] = ()
    templates: tuple[tuple[str, str | None], ...] = ()


class AuthenticationError(SaeError):
    """The gateway refused the signature or the credentials: ``SignatureDoesNotMatch``,
    ``InvalidAccessKeyId.*``, ``InvalidSecurityToken.*``, ``IncompleteSignature``, ``InvalidTimeStamp.*``,
    ``SignatureNonceUsed``, ``Forbidden.RAM``."""


class ThrottlingError(SaeError):
    """``Throttling``, ``Throttling.User``, ``Throttling.Api``: too many requests. ``retry_after`` is the
    wait the server asked for, in seconds (its ``x-acs-retry-after`` is milliseconds), when it said one."""


class ServerError(SaeError):
    """A 5xx answer (``ServiceUnavailable``, ``InternalError``, …): the service failed, not the request."""


class InvalidParameterError(SaeError):
    """The service refused a parameter (``InvalidParameter``, ``MissingAppId``, …)."""


_BY_CODE: dict[str, type[SaeError]] = {
    "InvalidApplication.NotFound": ApplicationNotFoundError,
    "InvalidAppId.NotFound": ApplicationNotFoundError,
    "InvalidNamespaceId.NotFound": NamespaceNotFoundError,
    "JobForbidPolicy": JobForbidPolicyError,
    "JobSuspend": JobSuspendError,
    "user.indebt": UserInDebtError,
    "SignatureDoesNotMatch": AuthenticationError,
    "IncompleteSignature": AuthenticationError,
    "SignatureNonceUsed": AuthenticationError,
    "Forbidden.RAM": AuthenticationError,
}
_BY_PREFIX: tuple[tuple[str, type[SaeError]], ...] = (
    ("Throttling", ThrottlingError),
    ("InvalidAccessKeyId", AuthenticationError),
    ("InvalidSecurityToken", AuthenticationError),
    ("InvalidTimeStamp", AuthenticationError),
    ("InvalidParameter", InvalidParameterError),
    ("Missing", InvalidParameterError),  # MissingParameter, MissingAppId, ...
)


def error_class_for(code: str, status_code: int | None) -> type[SaeError]:
    """The most specific error class for an error code (and, for unknown codes, the HTTP status)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    for prefix, cls in _BY_PREFIX:
        if code.startswith(prefix):
            return cls
    if (status_code is not None and status_code >= 500) or code in ("ServiceUnavailable", "InternalError"):
        return ServerError
    if status_code == 429:
        return ThrottlingError
    return SaeError
