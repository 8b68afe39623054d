"""Entra ID on the login host: OAuth2/OIDC endpoints, sign-in pages, realm discovery."""
