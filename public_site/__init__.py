"""public_site."""
