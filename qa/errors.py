"""Domain errors. Library code raises these; the edges (CLI, app) translate
them into a one-line message (CLI exit status 2) or a friendly reply."""


class QAError(Exception):
    """Base class for every error the user should see as one line."""


class CorpusError(QAError):
    """The corpus directory is missing, empty or unreadable."""


class IndexNotFound(QAError):
    """No index has been built in the given directory."""


class IndexCorrupt(QAError):
    """The index exists but is damaged, partial or inconsistent."""


class IndexStale(QAError):
    """The index was built from another corpus, model or chunking."""


class ModelError(QAError):
    """The embedding model cannot be loaded."""


class InvalidQuestion(QAError, ValueError):
    """The question is empty or blank."""


class FeedbackError(QAError):
    """The feedback store cannot be opened, read or written."""


class FeedbackNotFound(FeedbackError):
    """No feedback store exists yet at the given URL (nobody has voted)."""


class InvalidVote(FeedbackError, ValueError):
    """A vote that is not +1/-1, or an outcome the store does not know."""
