"""One module per CLI command; each imports the library lazily so `cchc --help` stays fast."""
