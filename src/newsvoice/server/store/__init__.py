"""The service's records: articles and their versions, narration jobs, watched feeds, webhook
deliveries (API keys are `server.keys`'s, through the same store).

One code path for both backends, SQLite (the embedded default, a file beside the audio) and
PostgreSQL (for several servers and workers); SQLAlchemy builds the queries for each, and
Alembic creates and upgrades the tables (`migrations/`).

One module a concern, each a class of the store's methods on the one `Database` (its engine,
transactions and change count) that they share:

- `database`: the URL, the engine for each backend, transactions, the schema's revision (and
  `upgrade_schema`, `schema_revision`, `newest_revision` for `newsvoice db`);
- `articles`: submissions (a text already narrated or queued is not narrated again), search,
  records with their latest job;
- `versions`: each narration published, with the text it narrated;
- `jobs`: the queue's books: claims under a lease, progress, finish, failure and retries;
- `feeds`: watched feeds and their polls;
- `deliveries`: webhook signatures seen, against replays;
- `analytics`: listening figures, aggregates only, and the salt of the day listeners are
  hashed with, one for every process (`newsvoice.analytics`);
- `texts`: how an article's text is kept (JSON, digest, words to search).

`Store` is all of them at once. The service, its workers and the commands hold one store and
call `store.claim(...)`, `store.submit(...)`, as they did when it was one module: the parts
are mixed into one class rather than hung off it (`store.jobs.claim`) or wrapped by a facade
that repeats every signature, because they share one connection pool and one count of
changes, no two of them have a method of the same name, and callers need not know which part
answers. Code that needs one concern can be typed with its class (`Jobs`, `Feeds`).

`Store(url)` opens a database whose schema is this version's, and refuses any other with a
StoreError that says to run `newsvoice db upgrade`; a missing SQLite file is not created.
`Store(url, migrate=True)` creates or upgrades it first: only `serve` (`create_app`), `worker`
and `db upgrade` open it so. A keyword rather than a second constructor: there is one way to
open a store, and each call site says whether it may change the schema.
"""

from __future__ import annotations

from .analytics import Listening
from .articles import (
    METADATA,
    NARRATION_OPTIONS,
    Articles,
    Conflict,
    Publishing,
    Record,
    Submitted,
    merged_article,
)
from .database import (
    Database,
    StoreError,
    database_url,
    newest_revision,
    schema_revision,
    shown_url,
    upgrade_schema,
)
from .deliveries import Deliveries
from .feeds import Feed, Feeds
from .jobs import Job, Jobs, JobStatus
from .texts import article_digest
from .versions import Version, Versions

__all__ = [
    "METADATA",
    "NARRATION_OPTIONS",
    "Articles",
    "Conflict",
    "Database",
    "Deliveries",
    "Feed",
    "Feeds",
    "Job",
    "JobStatus",
    "Jobs",
    "Listening",
    "Publishing",
    "Record",
    "Store",
    "StoreError",
    "Submitted",
    "Version",
    "Versions",
    "article_digest",
    "database_url",
    "merged_article",
    "newest_revision",
    "schema_revision",
    "shown_url",
    "upgrade_schema",
]


class Store(Articles, Versions, Jobs, Feeds, Deliveries, Listening, Database):
    """The service's database and everything kept in it; see the parts above."""
