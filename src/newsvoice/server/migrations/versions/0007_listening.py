"""Listening figures: per article, version and day, per 10% of the audio, per embedding host
(aggregates only; see `newsvoice.analytics`)."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def _article() -> sa.Column:
    return sa.Column(
        "article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "listening",
        _article(),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        *(_count(name) for name in ("loads", "plays", "completes", "seeks", "speed_changes", "errors")),
        sa.Column("speed_sum", sa.Float, nullable=False, server_default="0"),
        _count("speed_count"),
        sa.Column("listened", sa.Float, nullable=False, server_default="0"),
        sa.Column("listeners", sa.LargeBinary),
    )
    op.create_index("listening_by_day", "listening", ["day"])
    op.create_table(
        "listening_buckets",
        _article(),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("bucket", sa.Integer, primary_key=True),
        _count("reached"),
    )
    op.create_table(
        "listening_hosts",
        _article(),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("host", sa.String(253), primary_key=True),
        _count("loads"),
        _count("plays"),
    )
