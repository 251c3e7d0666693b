"""Profile to evidence, decision tables and a result with its trace."""
