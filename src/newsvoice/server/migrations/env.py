"""How Alembic reaches the database: the connection the store hands over, or `-x url=...`
when the `alembic` command is run by hand."""

from alembic import context
from sqlalchemy import create_engine

from newsvoice.server.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    from newsvoice.server.store import database_url

    engine = create_engine(database_url(context.get_x_argument(as_dictionary=True)["url"]))
    connection = engine.connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
