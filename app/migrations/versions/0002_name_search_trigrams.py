"""Index the name search by trigrams, so a partial name is found without reading every name.

The search matches any part of a name ("kafo" finds "Mokafor"), which a B-tree index cannot serve:
at 100,000 teachers every search read the whole index twice (a count and a page). Each database
gets its own trigram index:

- PostgreSQL: a GIN index with pg_trgm's operator class, which serves `LIKE '%...%'` directly.
  pg_trgm is a trusted extension (PostgreSQL 13 and later): the database owner may create it.
  `fastupdate = off`: names change one at a time, and a pending list of unindexed entries (the
  default) would make every search read it until the next vacuum.
- SQLite: an FTS5 table with the trigram tokenizer over `teacher_search_index` (external content,
  kept in step by triggers). A quoted phrase of three or more characters matches as a substring.

Neither object is in the models' metadata; `app.migrations.in_metadata` leaves them out of
autogenerate's comparison.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op

from app.models.search_index import TRIGRAM_INDEX, TRIGRAM_TABLE

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "ai": f"""AFTER INSERT ON teacher_search_index BEGIN
        INSERT INTO {TRIGRAM_TABLE}(rowid, search_name) VALUES (new.teacher_id, new.search_name);
    END""",
    "ad": f"""AFTER DELETE ON teacher_search_index BEGIN
        INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, search_name)
        VALUES ('delete', old.teacher_id, old.search_name);
    END""",
    "au": f"""AFTER UPDATE ON teacher_search_index BEGIN
        INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}, rowid, search_name)
        VALUES ('delete', old.teacher_id, old.search_name);
        INSERT INTO {TRIGRAM_TABLE}(rowid, search_name) VALUES (new.teacher_id, new.search_name);
    END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX {TRIGRAM_INDEX} ON teacher_search_index "
            "USING gin (search_name gin_trgm_ops) WITH (fastupdate = off)"
        )
        return
    op.execute(
        f"CREATE VIRTUAL TABLE {TRIGRAM_TABLE} USING fts5(search_name, "
        "content='teacher_search_index', content_rowid='teacher_id', tokenize='trigram')"
    )
    for suffix, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {TRIGRAM_TABLE}_{suffix} {body}")
    op.execute(f"INSERT INTO {TRIGRAM_TABLE}({TRIGRAM_TABLE}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {TRIGRAM_INDEX}")
        return
    for suffix in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {TRIGRAM_TABLE}_{suffix}")
    op.execute(f"DROP TABLE {TRIGRAM_TABLE}")
