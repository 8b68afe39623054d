"""The Microsoft 365 portal (www.office.com) on the portal host."""
