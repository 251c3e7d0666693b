"""The command line: thin click commands, prompts and terminal output."""
