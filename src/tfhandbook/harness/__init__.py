"""The test harness: every chapter's and snippet's examples as pytest items (sybil setup,
output checker, pytest plugin, isolation, status record)."""
