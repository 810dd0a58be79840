"""Evidence: what the repository, test runs, coverage and git say about each item."""
