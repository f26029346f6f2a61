"""Versions of articles, watched feeds, webhook deliveries, and leased jobs with retries."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("articles") as articles:
        articles.add_column(sa.Column("digest", sa.String(64)))
        articles.add_column(sa.Column("body", sa.Text))
        articles.add_column(sa.Column("version", sa.Integer))
        articles.add_column(sa.Column("audio", sa.String(32)))
        articles.create_index("articles_by_digest", ["digest"])
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        jobs.add_column(sa.Column("worker", sa.Text))
        jobs.add_column(sa.Column("lease", sa.Float))
        jobs.add_column(sa.Column("not_before", sa.Float))
        jobs.add_column(sa.Column("enqueued", sa.Float))
    op.create_table(
        "versions",
        sa.Column(
            "article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.String(32), nullable=False, unique=True),
        sa.Column("article", sa.Text, nullable=False),
        sa.Column("script", sa.Text, nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("interval", sa.Float, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("next_poll", sa.Float, nullable=False),
        sa.Column("polled", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("signature", sa.String(128), primary_key=True),
        sa.Column("expires", sa.Float, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":  # SQLite searches its FTS5 table instead
        op.execute(
            "CREATE INDEX articles_search ON articles USING gin (to_tsvector('simple', coalesce(body, '')))"
        )
