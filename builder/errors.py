"""Errors a user can act on.

A :class:`BuilderError` is printed as one line (``error: ...``) by the CLI with
a non-zero exit code and no traceback, unless ``hydra.verbose=true`` or
``BUILDER_DEBUG=1`` asks for one. Its message names the file or option at
fault and what to do about it.
"""


class BuilderError(Exception):
    """A problem with the user's input, config or environment."""


class ReleaseExists(BuilderError):
    """The requested version exists with a different fingerprint."""
