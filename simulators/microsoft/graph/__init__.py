"""Microsoft Graph v1.0 on the graph host."""
