"""Sub-commands of the ``registry`` CLI, one module per concern.

Each module exposes ``commands``: a list of click commands that ``registry.cli`` adds.
"""
