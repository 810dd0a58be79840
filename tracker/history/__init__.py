"""Git: when things changed, results shared as notes, sign-offs. Only this package runs git."""
