"""Server-rendered pages, one module per page group. Rules live in services; these only render."""
