"""Domain errors. Library code raises these; the edges (CLI, app) translate
them into a one-line message (CLI exit status 2) or a friendly reply.
Anything else that escapes is a bug, and the edges say so."""


class QAError(Exception):
    """Base class for every error the user should see as one line."""


class CorpusError(QAError):
    """The corpus directory is missing, empty or unreadable."""


class IndexNotFound(QAError):
    """No index has been built in the given directory."""


class IndexCorrupt(QAError):
    """The index exists but is damaged, partial, inconsistent or foreign."""


class IndexWriteError(QAError):
    """The index directory cannot be written: no permission, a read-only file
    system, a full disk, or a file where the directory should be."""


class ModelError(QAError):
    """The embedding model cannot be loaded or exported."""


class InvalidArgument(QAError):
    """Something a person or program sent is not acceptable (a flag, a file, a value)."""


class InvalidQuestion(InvalidArgument):
    """The question is empty, blank or too long."""


class FeedbackError(QAError):
    """The feedback store cannot be opened, read or written."""


class FeedbackNotFound(FeedbackError):
    """No feedback store exists yet at the given URL (nobody has voted)."""


class InvalidVote(FeedbackError):
    """A vote that is not +1/-1, or an outcome the store does not know."""


class VoteKept(FeedbackError):
    """A reply already has a vote stored (its reply id is unique in the store)."""


class StoreFull(FeedbackError):
    """The store holds as many votes as it is allowed to (``--max-votes``)."""
