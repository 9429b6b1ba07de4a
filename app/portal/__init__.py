"""The client self-service portal (issue 5 builds it out; this is its landing page)."""
