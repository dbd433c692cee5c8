"""Typed parse errors. Callers catch `AlsParseError`; the subclasses say which kind of bad input it was."""

from __future__ import annotations


class AlsParseError(Exception):
    """A file that cannot be read as an Ableton Live Set; `str()` is "<file>: <problem>"."""

    def __init__(self, file_name: str, problem: str) -> None:
        super().__init__(f"{file_name}: {problem}")
        self.file_name = file_name
        self.problem = problem

    def __reduce__(self) -> tuple[type[AlsParseError], tuple[str, str]]:
        # Keeps the error picklable across process pools (the default reduce passes one argument).
        return (type(self), (self.file_name, self.problem))


class EmptyFile(AlsParseError):
    """Zero bytes, or a compressed stream that holds nothing."""


class GitLfsPointer(AlsParseError):
    """A git-LFS pointer text checked out instead of the real set."""


class NotAnAbletonSet(AlsParseError):
    """Bytes that are neither gzip nor XML, or XML that is not a Live Set."""


class CorruptContainer(AlsParseError):
    """A gzip stream that is truncated or damaged."""


class MalformedXml(AlsParseError):
    """XML that does not parse."""


class ForbiddenXml(AlsParseError):
    """A DOCTYPE or entity declaration: Live never writes one, and it is how entity attacks start."""


class LimitExceeded(AlsParseError):
    """Input beyond a `ParseLimits` bound (size, compression ratio or nesting depth)."""


class MissingElement(AlsParseError):
    """A Live Set without an element every set has (for example its master track)."""


class WorkerFailed(AlsParseError):
    """The isolated parse of this file ran out of memory or time, or its worker died (see als.isolated)."""
