"""The Microsoft system: Entra ID (login host), Microsoft Graph (graph host) and the portal."""
