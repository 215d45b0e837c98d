"""The one error type a tool raises when the model can read the message and fix its call."""


class ToolError(ValueError):
    """An error the model should read and can correct (bad SQL, unknown table, bad path, ...).

    The message is one clear line; callers hand it back to the model as the tool's result.
    """

    def __init__(self, message: str) -> None:
        # Keep messages to a single line so they read well inside a tool message.
        super().__init__(" ".join(str(message).split()))
