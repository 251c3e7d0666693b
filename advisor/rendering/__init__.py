"""Results to templates to files, per output format."""
