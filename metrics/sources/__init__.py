"""Reading CRM and ad-cabinet exports as they are (docs/imports.md).

A file is sniffed from its bytes (`detect`), read as rows of text cells (`tables`), and each row is
turned into the tracker's own row shape (`mapping`, with the value conventions of `values` and the
sources known by `presets`). What comes out is exactly what the JSON API and today's CSV accept,
so the import engine downstream does not know which CRM a file came from.
"""
