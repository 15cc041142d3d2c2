"""Named domain exceptions of the engine; ``app/`` maps them to HTTP statuses and CLI messages."""


class PasserelleError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFound(PasserelleError):
    """Something named by the caller (an organisation, a track) does not exist."""


class EmbeddingModelError(PasserelleError):
    """The sentence-transformers model cannot be loaded from the configured name or path."""


class InvalidImport(PasserelleError):
    """An import file was refused; ``problems`` lists every bad line and field.

    Nothing is written when this is raised.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the import file")
