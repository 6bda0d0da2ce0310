"""Clinical content: procedure metadata, the Jinja2 environment and the document tree."""
