"""How far an API list may be paged: ``offset`` is refused (422) beyond ``MAX_OFFSET``.

Past 2**63 - 1 both SQLite and PostgreSQL overflow, which would be a 500; no list here comes near a
billion rows, so the bound costs nothing and turns a crash into a clear error.
"""

MAX_OFFSET = 1_000_000_000
