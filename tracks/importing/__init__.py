"""Importing track files: `sources` reads them (with limits), `plan` parses and checks them
into plans without touching the database, `apply` writes plans in one transaction."""
