"""Server-rendered pages of the metrics side, one module per page group. Rules live in services;
these only render."""
