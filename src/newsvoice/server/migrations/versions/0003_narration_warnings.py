"""Narration warnings: kept with the job that met them, and with the article's latest version."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("articles") as articles:
        articles.add_column(sa.Column("warnings", sa.Text))
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("warnings", sa.Text))
