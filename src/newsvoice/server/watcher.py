"""Watched feeds: each polled when due, its new and changed items submitted for narration.

Every server polls; the store hands each due feed to one of them. An item whose page cannot
be fetched or holds no article is tried again at the next poll.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import NewsvoiceError
from ..sources import Document
from ..watch import FeedPoll, FeedState, item_document, poll_feed
from .netguard import AddressPolicy, GuardedTransport, fetch_document
from .periodic import Periodic
from .store import Feed, Store, Submitted

log = logging.getLogger(__name__)

HOLD = 300.0
"""Seconds a feed being polled is kept from other servers' pollers."""


@dataclass(frozen=True)
class FeedReport:
    """What one poll of a feed did."""

    feed: Feed
    narrating: int = 0
    """New or changed items queued for narration."""
    unchanged: int = 0
    not_modified: bool = False
    errors: tuple[str, ...] = ()
    """Items that could not be fetched or held no article (tried again at the next poll)."""
    error: str | None = None
    """Why the feed itself could not be read."""


class Watcher(Periodic):
    """Polls the store's watched feeds when due (looking every TICK seconds, and at once when
    woken: a feed was added); SUBMIT stores an article and queues its narration."""

    def __init__(
        self,
        store: Store,
        policy: AddressPolicy,
        submit: Callable[[Document, Feed], Submitted],
        tick: float = 5.0,
    ) -> None:
        super().__init__("watch", self.poll_due, tick)
        self._store = store
        self._policy = policy
        self._submit = submit
        self._polling = threading.Lock()  # "poll now" waits for the poll under way

    def poll_due(self) -> list[FeedReport]:
        """Poll every feed that is due now."""
        reports = []
        while not self.stopping.is_set() and (feed := self._store.take_due_feed(HOLD)):
            report = self.poll(feed)
            for error in (report.error, *report.errors):  # no caller to tell but the log
                if error:
                    log.warning("feed %s: %s", feed.url, error)
            reports.append(report)
        return reports

    def poll(self, feed: Feed) -> FeedReport:
        """Poll FEED now and submit its new and changed items."""
        with self._polling:  # read again inside: the poll waited for may have just saved its state
            return self._poll(self._store.feed(feed.id) or feed)

    def _poll(self, feed: Feed) -> FeedReport:
        state = dataclasses.replace(FeedState.from_dict(feed.state), interval=feed.interval)
        result = poll_feed(state, transport=GuardedTransport(self._policy))
        narrating, errors = 0, []
        failed: set[str] = set()
        for item in (*result.new, *result.changed):
            try:
                document = item_document(item, lambda url: fetch_document(url, self._policy))
                narrating += self._submit(document, feed).queued
            except NewsvoiceError as error:
                failed.add(item.guid)
                errors.append(str(error))  # which says what it was reading
        state = _forgetting(result, failed)
        problem = result.error or ("; ".join(errors) if errors else None)
        self._store.save_feed(feed.id, state.to_dict(), state.next_poll, problem)
        return FeedReport(
            feed, narrating, len(result.unchanged), result.not_modified, tuple(errors), result.error
        )


def _forgetting(result: FeedPoll, failed: set[str]) -> FeedState:
    """The state to keep, without the items that failed, and so without the validators that
    would answer the next poll with 304: the next poll sees them again, as new."""
    if not failed:
        return result.state
    fingerprints = {guid: seen for guid, seen in result.state.fingerprints.items() if guid not in failed}
    return dataclasses.replace(result.state, fingerprints=fingerprints, etag=None, last_modified=None)


def new_feed_state(url: str, interval: float) -> dict[str, Any]:
    return FeedState(url, interval).to_dict()
