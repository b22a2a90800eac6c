"""A reference sync client: a SQLite outbox and state, speaking docs/protocol.md over httpx.

Imports no Django (a test proves it): the tests, `bench/` and a phone simulator use it.

    client = SyncClient("http://127.0.0.1:8000", db_path="phone.sqlite3")
    client.login("carer", "…")
    client.queue("task.complete", {"task_id": "…", "outcome": "done"})   # offline is fine
    report = client.sync()            # push in chunks, then pull every page
    client.records("task")            # what this phone knows

What it guarantees (see docs/protocol.md §2 and §3):
- an event leaves the outbox only when the server returned a result for it (any status);
  `rejected` ones move to the `rejected` table with their code and message, for the UI;
- a retry sends the same ids: the server answers `duplicate` with the original result;
- its own acknowledged events are applied locally by small projections, because the server
  does not echo them back (no echo);
- 409 reset_required: cursor and state are dropped, the outbox is kept, the same events are
  sent again from a null cursor; 426 upgrade_required: pushing goes on, pulling stops;
- 429 rate_limited: it waits the `Retry-After` seconds and sends the same events again;
  a `call_full` result leaves its event queued for the next call.
Several users may share one phone: each event remembers who queued it and is sent with that
user's token; the pulled state and the cursor are kept per user.

The pieces: `phone.py` (accounts, queueing, the sync loop and its chunks), `store.py` (the
phone's SQLite: outbox, rejected events, pulled records, cursors, and applying an answer),
`transport.py` (one call over HTTP: gzip, retries with backoff, Retry-After) and
`projections.py` (own acknowledged events applied locally).
"""

from sync.client.phone import SyncClient
from sync.client.transport import SyncFailed, SyncReport

__all__ = ["SyncClient", "SyncFailed", "SyncReport"]
