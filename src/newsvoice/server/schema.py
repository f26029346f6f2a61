"""The service's tables, for SQLite (the embedded default) and PostgreSQL alike.

The queries in `store` are built from these definitions; the database itself is created and
upgraded by the Alembic migrations in `migrations/`, which must match them (a test checks).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

JOB_STATUSES = ("queued", "running", "done", "failed")

articles = Table(
    "articles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", Text, unique=True),  # submitting the same address again edits the article
    Column("site", Text),
    Column("host", Text),  # the host name of its URL, lowercase: site feeds find it by either
    Column("tags", Text, nullable=False),  # JSON array
    Column("article", Text, nullable=False),  # the extracted Article, JSON
    Column("digest", String(64)),  # of the article's text: an unchanged text is not narrated again
    Column("body", Text),  # title and paragraphs as plain text, for search
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("narrated", Float),  # when its latest audio was published; NULL until then
    Column("duration", Float),
    Column("findings", Text),  # the pronunciation check of the latest version, JSON
    Column("warnings", Text),  # the latest version's narration warnings, JSON array; NULL: none
    Column("version", Integer),  # the latest published version's number...
    Column("audio", String(32)),  # ...and the job that made it, which names its audio files
    Column("publish_at", Float),  # when it is (or was) made public; NULL: a draft
    Column("options", Text),  # how it is narrated (voice, intro, outro, disclosure), JSON; NULL: the site's
    Column("url_key", Text),  # `urls.url_key` of the URL it was submitted with...
    Column("canonical_key", Text),  # ...and of its canonical URL: an embed finds it by either
    Index("articles_by_digest", "digest"),
    Index("articles_by_url_key", "url_key"),
    Index("articles_by_canonical_key", "canonical_key"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("created", Float, nullable=False),
    Column("started", Float),
    Column("finished", Float),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", Text),  # who holds it while it runs
    Column("lease", Float),  # ...until then; a lapsed lease means its worker died
    Column("not_before", Float),  # a retry waits until then
    Column("enqueued", Float),  # when it was last handed to the queue
    Column("warnings", Text),  # a done job's narration warnings, JSON array; NULL: none
    Column("previous_errors", Text),  # each failed try's error, oldest first, JSON array; NULL: none
    CheckConstraint(f"status IN {JOB_STATUSES}", name="job_status"),
    Index("jobs_by_article", "article_id"),
    Index("jobs_by_status", "status"),
)

versions = Table(
    "versions",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("job_id", String(32), nullable=False, unique=True),  # names its audio files
    Column("article", Text, nullable=False),  # the text narrated, JSON
    Column("script", Text, nullable=False),  # its segments, JSON
    Column("duration", Float, nullable=False),
    Column("created", Float, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("tags", Text, nullable=False),  # JSON array, given to the articles it brings
    Column("interval", Float, nullable=False),
    Column("state", Text, nullable=False),  # `watch.FeedState` as JSON: validators, items seen
    Column("next_poll", Float, nullable=False),
    Column("polled", Float),
    Column("error", Text),
    Column("created", Float, nullable=False),
)

deliveries = Table(  # webhook signatures seen, refused if replayed until they expire
    "deliveries",
    metadata,
    Column("signature", String(128), primary_key=True),
    Column("expires", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),  # the key's first characters, to tell keys apart
    Column("hash", Text, nullable=False, unique=True),  # SHA-256 of the key; never the key
    Column("created", Float, nullable=False),
    Column("revoked", Float),
)


# --- listening figures (`newsvoice.analytics`): aggregates only, nothing of a listener -------

listening = Table(  # an article's version's listening on one day (UTC)
    "listening",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("loads", Integer, nullable=False, server_default="0"),  # players seen on a page
    Column("plays", Integer, nullable=False, server_default="0"),  # of those, played
    Column("completes", Integer, nullable=False, server_default="0"),
    Column("seeks", Integer, nullable=False, server_default="0"),
    Column("speed_changes", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("speed_sum", Float, nullable=False, server_default="0"),  # speeds of the events...
    Column("speed_count", Integer, nullable=False, server_default="0"),  # ...and how many
    Column("listened", Float, nullable=False, server_default="0"),  # seconds of audio heard
    Column("listeners", LargeBinary),  # HyperLogLog registers of the day's listeners
    Index("listening_by_day", "day"),
)

listening_buckets = Table(  # how many listens reached each 10% of the audio (100: the end)
    "listening_buckets",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("bucket", Integer, primary_key=True),
    Column("reached", Integer, nullable=False, server_default="0"),
)

listening_hosts = Table(  # the host names of the pages the player was on
    "listening_hosts",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("host", String(253), primary_key=True),
    Column("loads", Integer, nullable=False, server_default="0"),
    Column("plays", Integer, nullable=False, server_default="0"),
)

listening_salts = Table(  # the salt listeners are hashed with on a day, shared by every process
    "listening_salts",
    metadata,
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC: the past days' are deleted
    Column("salt", LargeBinary, nullable=False),  # random; never read out of the service
)
