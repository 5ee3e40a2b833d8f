"""The index's errors, below every module that raises them (index, manifest, lexical)."""


class IndexUnavailable(RuntimeError):
    """The index cannot be opened or read; the message says what to do."""


class WriteError(RuntimeError):
    """A write that did not store everything: nothing was committed, the source is as it was."""
