"""Operator commands: the command line, what each command does, the running stack."""
