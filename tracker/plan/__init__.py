"""The plan: its model, how it is read from YAML and validated, and its JSON Schema."""
