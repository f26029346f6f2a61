"""Publishing controls: when an article is made public (`publish_at`: embargoes and drafts),
the host name site feeds find it by, and how it is narrated (`options`: voice, intro, outro)."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("articles") as articles:
        articles.add_column(sa.Column("host", sa.Text))
        articles.add_column(sa.Column("publish_at", sa.Float))
        articles.add_column(sa.Column("options", sa.Text))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE articles SET publish_at = created"))  # all were public
    rows = connection.execute(sa.text("SELECT id, url FROM articles WHERE url IS NOT NULL")).all()
    for row in rows:
        host = (urlsplit(row.url).hostname or "").lower() or None
        connection.execute(
            sa.text("UPDATE articles SET host = :host WHERE id = :id"), {"host": host, "id": row.id}
        )
