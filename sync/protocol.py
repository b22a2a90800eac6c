"""The wire format of POST /api/sync/v1 (docs/protocol.md): the call's shapes and limits, the
cursor, and the two clocks an event carries, as the server judges them (at the end). Imports
no Django: phones' simulators, the load generator and other backends reuse it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from sync.registry import HandlerContext

PROTOCOL_VERSION = 1
MIN_PROTOCOL = 1
MAX_EVENTS_PER_CALL = 500
MAX_CHANGES_PER_PAGE = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
CLOCK_SKEW_SECONDS = 300
MAX_SEQ = 2**63 - 1  # a bigint column
# Work per call, in rows touched (a plain event touches one, a whole meal one per resident):
# past it the remaining events answer `call_full` and are sent in the next call, so one call
# holds its facility's lock for well under a second (docs/protocol.md §4).
MAX_ROWS_PER_CALL = 1000

Status = Literal["applied", "merged", "conflict", "rejected", "duplicate"]


class EventIn(BaseModel):
    # Unknown envelope keys are tolerated so newer app builds can still talk to us.
    model_config = ConfigDict(extra="allow")

    id: UUID
    device_seq: int = Field(ge=0, le=MAX_SEQ)
    name: str = Field(min_length=1, max_length=60)
    at: datetime
    hlc: str = Field(default="", max_length=40)
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def at_has_timezone(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("at must carry a UTC offset")
        try:
            # Stored in UTC: 0001-01-01T00:00+07:00 or 9999-12-31T23:00-05:00 have no UTC date.
            value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("at is outside years 1-9999 in UTC") from exc
        return value


class EventArgs(BaseModel):
    """The base of every handler's args. Unknown keys are tolerated, as in the envelope, so an
    app build that sends a field this server does not know yet is still heard."""

    model_config = ConfigDict(extra="allow")

    def given(self, *names: str) -> dict[str, Any]:
        """The named args as the event gave them, for the columns of the same names."""
        return {name: getattr(self, name) for name in names}


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    protocol: int
    device_id: UUID
    cursor: str | None = None
    # Each event is judged on its own (sync/edge.py): one that is not an object is rejected
    # alone, never the whole call.
    events: list[Any] = Field(default_factory=list)


class EventResult(BaseModel):
    id: str | None
    status: Status
    code: str | None = None
    message: str | None = None
    conflict_id: str | None = None
    flags: list[str] | None = None
    details: Any = None
    # On a duplicate: what the first delivery was decided as.
    original_status: str | None = None

    def wire(self) -> dict[str, Any]:
        # Empty fields are left out: 2,000 results must stay small on a phone's link. The
        # fields are plain values (no nested models), so no model_dump walk is needed.
        return {key: value for key, value in self.__dict__.items() if value is not None}


class ChangeOut(BaseModel):
    seq: int
    type: str
    id: str
    op: Literal["upsert", "delete"] = "upsert"
    version: int = 1
    data: dict[str, Any] = Field(default_factory=dict)


def args_canonical(args: dict[str, Any]) -> bytes:
    """An event's args as canonical JSON (sorted keys, compact UTF-8): hashed, and stored."""
    return orjson.dumps(args, option=orjson.OPT_SORT_KEYS)


def payload_digest(*, name: str, args_json: bytes, at: str, device_id: str, device_seq: int) -> str:
    """A stable digest of what an event says, to tell a replay from a reused id.

    `args_json` is `args_canonical(args)`, made once per event and also what the event log
    stores. The envelope is a JSON array before it, so no two events share the bytes."""
    head = orjson.dumps([name, at, device_id, device_seq])
    return hashlib.blake2b(head + args_json, digest_size=32).hexdigest()


def payload_hash(
    *, name: str, args: dict[str, Any], at: str, device_id: str, device_seq: int
) -> str:
    """The digest event logs stored before `payload_digest`: a phone may resend such an
    event (a lost response) after an upgrade, and it must still be a duplicate."""
    canonical = json.dumps(
        {"name": name, "args": args, "at": at, "device_id": device_id, "device_seq": device_seq},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# A database epoch as sync/changes.py makes it (6 hex digits); the pattern leaves room to grow.
_EPOCH = re.compile(r"[0-9a-z]{1,16}")


def _base36(value: int) -> str:
    digits = ""
    while True:
        value, rest = divmod(value, 36)
        digits = _DIGITS36[rest] + digits
        if not value:
            return digits


_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_HEX16 = re.compile(r"[0-9a-f]{16}")
_SCOPE64 = re.compile(r"[A-Za-z0-9_-]{11}")
_NUMBER36 = re.compile(r"[0-9a-z]{1,13}")


class Cursor(BaseModel):
    """Opaque to clients: the database epoch, the scope fingerprint, the last seq seen per
    facility, and the echo floor per facility (changes this device made above it are not
    sent back).

    On the wire it is compact, because it travels twice in every sync, including the
    no-op sync a phone makes every few minutes on a metered link:
    `c3.<epoch>.<scope>.<position>.<floor>[.<position>.<floor>…]`, one pair per facility
    of the scope in its (sorted) order, the scope fingerprint's 8 bytes in unpadded
    base64url and the numbers in base 36 (lower case). The scope fingerprint pins that
    order: a cursor whose fingerprint differs is answered `reset_required` before its
    numbers are read. Cursors issued by earlier builds still read: `c2.` (the same fields,
    hex fingerprint and decimal numbers) and `c1.` (no epoch: `epoch=""`, unknown).
    """

    scope: str
    epoch: str = ""
    positions: dict[str, int] = Field(default_factory=dict)
    floor: dict[str, int] = Field(default_factory=dict)

    def encode(self, order: list[str]) -> str:
        pairs = [(self.positions.get(key, 0), self.floor.get(key, 0)) for key in order]
        if self.epoch and _HEX16.fullmatch(self.scope):
            scope = base64.urlsafe_b64encode(bytes.fromhex(self.scope)).decode().rstrip("=")
            numbers = [_base36(n) for pair in pairs for n in pair]
            return ".".join(["c3", self.epoch, scope, *numbers])
        parts = ["c2", self.epoch, self.scope] if self.epoch else ["c1", self.scope]
        return ".".join(parts + [str(n) for pair in pairs for n in pair])

    @classmethod
    def decode(cls, token: str, order: list[str]) -> Cursor:
        """Raises ValueError (or KeyError) on anything that is not a cursor we issued."""
        if token.startswith("c3."):
            _, epoch, scope64, *digits = token.split(".")
            if not _EPOCH.fullmatch(epoch) or not _SCOPE64.fullmatch(scope64):
                raise ValueError("not a c3 cursor")
            if not all(_NUMBER36.fullmatch(d) for d in digits):
                raise ValueError("not a base-36 number")
            scope = base64.urlsafe_b64decode(scope64 + "=").hex()
            numbers = [int(d, 36) for d in digits]
        elif token.startswith("c2."):
            _, epoch, scope, *decimal = token.split(".")
            if not _EPOCH.fullmatch(epoch):
                raise ValueError("not an epoch")
            numbers = [int(n) for n in decimal]
        elif token.startswith("c1."):
            epoch = ""
            _, scope, *decimal = token.split(".")
            numbers = [int(n) for n in decimal]
        else:
            return cls._decode_v0(token)
        return cls._from_numbers(scope, epoch, numbers, order)

    @classmethod
    def _from_numbers(cls, scope: str, epoch: str, values: list[int], order: list[str]) -> Cursor:
        if len(values) % 2:
            raise ValueError("odd cursor")
        if any(not 0 <= v <= MAX_SEQ for v in values):
            raise ValueError("position outside a sequence number's range")
        pairs = list(zip(values[::2], values[1::2], strict=True))
        if len(pairs) != len(order):
            # Not issued for a scope of this shape: no fingerprint matches "", so the caller
            # answers reset_required and the phone re-pulls from null (safe, keeps its outbox).
            return cls(scope="", epoch=epoch)
        return cls(
            scope=scope,
            epoch=epoch,
            positions={key: pos for key, (pos, _) in zip(order, pairs, strict=True)},
            floor={key: fl for key, (_, fl) in zip(order, pairs, strict=True)},
        )

    @classmethod
    def _decode_v0(cls, token: str) -> Cursor:
        # The first builds issued base64 JSON cursors; phones may still hold one.
        padded = token + "=" * (-len(token) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = cls(
            scope=str(raw["s"]),
            positions={str(k): int(v) for k, v in raw["p"].items()},
            floor={str(k): int(v) for k, v in raw.get("f", {}).items()},
        )
        if any(not 0 <= v <= MAX_SEQ for v in [*cursor.positions.values(), *cursor.floor.values()]):
            raise ValueError("position outside a sequence number's range")
        return cursor


# A phone's clocks, as the server judges them: the time of an event (`at`) and its hybrid
# logical clock stamp (`hlc`). Both are the device's word, and the server believes each only so
# far ahead of its own receipt (docs/security.md).
#
# The time a rule judges an event by: an event's `at` must not move a deadline (a food
# sample's keep_until, a PRN interval, a dose window) nor pin a resident's status in the future
# when the phone's clock runs fast or the time is forged. So wherever a rule depends on time,
# a device time more than CLOCK_SKEW_SECONDS ahead of the server's receipt is judged, and
# stored, as the receipt time, and the event is flagged `clock_skew` (docs/care-events.md).
#
# The hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter and a
# node. Stamps compare as plain strings: `MMMMMMMMMMMMM-CCCC-node`. Phones stamp their events;
# merge rules that need "last writer" (resident.update) order by HLC, never by device wall
# time alone, so a phone whose clock runs fast cannot win every edit for ever.

SKEW = timedelta(seconds=CLOCK_SKEW_SECONDS)


def judged_time(at: datetime, received_at: datetime) -> datetime:
    """`at`, unless it is more than SKEW ahead of `received_at`: then `received_at`.
    Pure; a time in the past is the device's to tell (a phone back from a day offline)."""
    return received_at if at - received_at > SKEW else at


def judged_at(ctx: HandlerContext, at: datetime | None = None) -> datetime:
    """The event's time (or a device time among its args) as the rules must judge it,
    flagging the event `clock_skew` when it was brought back to the receipt time."""
    told = ctx.event.at if at is None else at
    when = judged_time(told, ctx.received_at)
    if when is not told:
        ctx.flag("clock_skew")
    return when


MAX_COUNTER = 9999
# ASCII digits only: `int()` also reads other scripts' digits, which sort after "9" as text
# and would win every comparison. The node is printable ASCII (a short device id).
_STAMP = re.compile(r"(\d{13})-(\d{4})-([!-~]{1,21})", re.ASCII)


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.millis:013d}-{self.counter:04d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        match = _STAMP.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"not an HLC stamp: {text!r}"[:80])
        return cls(int(match[1]), int(match[2]), match[3])


def is_valid(text: str) -> bool:
    try:
        Stamp.parse(text)
    except (ValueError, AttributeError):
        return False
    return True


def stamp_receive(text: str, *, wall_ms: int, max_drift_ms: int) -> tuple[str, bool]:
    """A stamp as received from a device: (what to keep, whether it was clamped).

    A stamp more than `max_drift_ms` ahead of our wall clock is brought back to it (counter
    and node kept), so a phone with a wrong clock, or a forged stamp, never wins a merge.
    A malformed stamp is dropped (""): merge rules then fall back to the event's time."""
    # `Stamp.parse`'s match, without the frozen instance: a push receives 500 stamps, and
    # builds one only for a stamp it clamps.
    match = _STAMP.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return "", False
    if int(match[1]) - wall_ms > max_drift_ms:
        return Stamp(wall_ms, int(match[2]), match[3]).encode(), True
    return text, False


class HybridClock:
    """Thread-safe HLC for one node. `max_drift_ms` bounds how far a remote stamp may pull us."""

    def __init__(self, node: str, *, wall=None, max_drift_ms: int = 5 * 60 * 1000) -> None:
        self._node = node
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._last = Stamp(0, 0, node)
        self._lock = threading.Lock()
        self._max_drift_ms = max_drift_ms

    def now(self) -> Stamp:
        with self._lock:
            wall = self._wall()
            if wall > self._last.millis:
                self._last = Stamp(wall, 0, self._node)
            else:
                self._last = Stamp(self._last.millis, self._bump(self._last.counter), self._node)
            return self._last

    def receive(self, remote: Stamp) -> Stamp:
        """Advance past a stamp seen from elsewhere (a pulled change, a received event)."""
        with self._lock:
            wall = self._wall()
            if remote.millis - wall > self._max_drift_ms:
                # A far-future stamp would drag every later stamp with it; refuse to follow.
                remote = Stamp(wall, remote.counter, remote.node)
            top = max(wall, self._last.millis, remote.millis)
            if top == self._last.millis == remote.millis:
                counter = self._bump(max(self._last.counter, remote.counter))
            elif top == self._last.millis:
                counter = self._bump(self._last.counter)
            elif top == remote.millis:
                counter = self._bump(remote.counter)
            else:
                counter = 0
            self._last = Stamp(top, counter, self._node)
            return self._last

    @staticmethod
    def _bump(counter: int) -> int:
        if counter >= MAX_COUNTER:
            raise OverflowError("HLC counter overflow: too many stamps in one millisecond")
        return counter + 1
