"""Record types and the rulebook schema."""
