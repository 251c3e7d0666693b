"""Files to validated records, with source locations kept beside them."""
