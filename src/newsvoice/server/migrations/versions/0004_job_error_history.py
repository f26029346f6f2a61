"""Jobs keep each failed try's error (`previous_errors`), apart from their status's `error`."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("previous_errors", sa.Text))
