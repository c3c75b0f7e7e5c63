"""(placeholder: filled by the module's owner)"""


def install(app, ctx) -> None:
    """Mount this module's routes on ``app``."""
