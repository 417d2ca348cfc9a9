"""Errors raised by the rules engine."""


class IllegalMoveError(ValueError):
    """A move that is not legal in the given state; the message says why."""


class StateFormatError(ValueError):
    """A serialized state or move that cannot be read; the message names the field."""
