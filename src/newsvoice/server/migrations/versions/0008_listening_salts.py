"""The salt of the day that listeners are hashed with, kept in the database so that every
process on it counts a listener once a day (see `newsvoice.analytics.DaySalt`)."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "listening_salts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("salt", sa.LargeBinary, nullable=False),
    )
