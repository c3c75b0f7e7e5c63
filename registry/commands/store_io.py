"""(placeholder: filled by the module's owner)"""

commands: list = []
