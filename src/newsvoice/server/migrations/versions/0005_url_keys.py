"""Articles are found by their address, normalised (`urls.url_key`): the URL they were
submitted with, or their canonical one (for the one-tag embed)."""

import json

import sqlalchemy as sa
from alembic import op

from newsvoice.urls import url_key

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("articles") as articles:
        articles.add_column(sa.Column("url_key", sa.Text))
        articles.add_column(sa.Column("canonical_key", sa.Text))
        articles.create_index("articles_by_url_key", ["url_key"])
        articles.create_index("articles_by_canonical_key", ["canonical_key"])
    bind = op.get_bind()
    table = sa.table(
        "articles",
        sa.column("id", sa.String),
        sa.column("url", sa.Text),
        sa.column("article", sa.Text),
        sa.column("url_key", sa.Text),
        sa.column("canonical_key", sa.Text),
    )
    rows = bind.execute(sa.select(table.c.id, table.c.url, table.c.article)).all()
    for row in rows:
        try:
            canonical = json.loads(row.article).get("url")
        except (ValueError, AttributeError):
            canonical = None
        bind.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(url_key=url_key(row.url), canonical_key=url_key(canonical))
        )
