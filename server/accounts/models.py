"""Staff, their role per facility, the areas they cover, and their phones; and the two
statements every sync call reads them with (below the models), written once per process.

The ORM compiled those anew on every call: the token's three-table select_related cost
~0.5 ms of CPU of a ~0.9 ms lookup, the scope's ~0.5 ms of ~0.6 ms (docs/performance.md,
"No-op"). Each is the SQL the ORM wrote (the same columns, joins and order), built from the
models' `_meta`, and each value goes through the backend's and the field's converters as the
ORM applies them; tests compare both with the ORM's answers (tests/deploy/test_one_hop.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import connections, models
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from server.accounts.roles import ALL_ROLES, FACILITY_WIDE_ROLES
from server.model_fields import facility_fk, given_id, made_id, names, staff_fk, unique
from sync.rows import column_read, converted


class User(AbstractUser):
    id = made_id()
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    pin_hash = models.CharField(_("mã PIN (băm)"), max_length=200, blank=True)

    class Meta:  # a class, not names(): it replaces the Meta class AbstractUser declares
        verbose_name = _("nhân viên")
        verbose_name_plural = _("nhân viên")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    CARER = "carer", _("Nhân viên chăm sóc")
    KITCHEN = "kitchen", _("Nhà bếp")
    NURSE = "nurse", _("Y tế")
    MANAGER = "manager", _("Quản lý trực")
    ADMIN = "admin", _("Quản trị")


assert set(Role.values) == ALL_ROLES, "server/accounts/roles.py names the roles of Role"


class Membership(models.Model):
    id = made_id()
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("nhân viên")
    )
    facility = facility_fk("memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    areas = models.ManyToManyField(
        "care.Area", blank=True, related_name="staff", verbose_name=_("khu phụ trách")
    )
    active = models.BooleanField(_("đang làm việc"), default=True)

    Meta = names(
        _("phân công"),
        constraints=[unique("membership_user_facility", "user", "facility")],
    )

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.facility}"

    @property
    def facility_wide(self) -> bool:
        return self.role in FACILITY_WIDE_ROLES


class Device(models.Model):
    """A registered phone. Its id is chosen by the phone; revoking it kills all its tokens."""

    id = given_id()
    name = models.CharField(_("tên máy"), max_length=120, blank=True)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("trung tâm"),
    )
    registered_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)
    # Health, stamped by each sync call (server/accounts/services.py, `device_seen`): who used it last,
    # how that call went, and what the phone reported about itself.
    last_seen_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    last_user = staff_fk(_("người dùng lần cuối"), optional=True, on_delete=models.SET_NULL)
    last_status = models.CharField(_("kết quả đồng bộ lần cuối"), max_length=20, blank=True)
    app_version = models.CharField(_("phiên bản ứng dụng"), max_length=40, blank=True)
    queued = models.PositiveIntegerField(_("mục chờ gửi"), null=True, blank=True)
    queued_since = models.DateTimeField(_("có mục chờ gửi từ"), null=True, blank=True)
    # The phone's clock minus the server's at its last report, in seconds (+: ahead).
    clock_skew = models.IntegerField(_("đồng hồ máy lệch (giây)"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = staff_fk(_("người thu hồi"), optional=True, on_delete=models.SET_NULL)

    Meta = names(_("thiết bị"))

    def __str__(self) -> str:
        return self.name or str(self.id)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceToken(models.Model):
    """A bearer token for one (user, device). Only its SHA-256 is stored."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("nhân viên")
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("thiết bị")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # Stamped at most once an hour (services.TOKEN_TOUCH_EVERY): a token idle for
    # TOKEN_IDLE_DAYS stops working. Null: never used since it was issued.
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    # Set when the user's password changes or the user is deactivated; the row stays.
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    Meta = names(_("mã truy cập"))

    def __str__(self) -> str:
        # Never the hash itself: this shows in the admin and in logs.
        return f"{self.user} · {self.device}"


# The statements every sync call runs (the module's docstring says why they are hand-written).

# Written by triggers only (migration 0005): a new value at every change of a user's scope.
SCOPE_VERSIONS = "accounts_scopeversion"

# The token's row with its user and device: every authenticated call (every sync call, the
# no-op included) looks its token up. The same statement as the ORM's select_related (every
# concrete column of the three models, the token by its primary key, both joins), and the
# instances built as the ORM builds them: each column through the backend's and the field's
# converters, Model.from_db, the user and device cached on the token's foreign keys. One more
# column: the user's scope version (null until her memberships first change, migration
# 0005), for the sync call's kept scope.
_MODELS: tuple[type[Model], ...] = (DeviceToken, User, Device)


@dataclass(frozen=True)
class TokenPlan:
    columns: str
    tables: str
    where: str
    layout: list[tuple[type[Model], list[str], list[tuple[Any, list[Callable]]]]]


@cache
def token_plan(alias: str) -> TokenPlan:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns: list[str] = []
    layout = []
    for model in _MODELS:
        table = str(model._meta.db_table)
        attnames, converters = [], []
        for field in model._meta.concrete_fields:
            selected, reader = column_read(connection, table, field)
            columns.append(selected)
            attnames.append(field.attname)
            converters.append(reader)
        layout.append((model, attnames, converters))
    token = quote(str(DeviceToken._meta.db_table))
    user = quote(str(User._meta.db_table))
    versions = quote(SCOPE_VERSIONS)
    columns.append(f"{versions}.{quote('value')}")
    joins = "".join(
        f" INNER JOIN {quote(str(model._meta.db_table))}"
        f" ON ({token}.{quote(str(DeviceToken._meta.get_field(fk).column))}"  # type: ignore[union-attr]
        f" = {quote(str(model._meta.db_table))}.{quote(str(model._meta.pk.column))})"
        for model, fk in ((User, "user"), (Device, "device"))
    )
    joins += (
        f" LEFT OUTER JOIN {versions} ON ({versions}.{quote('user_id')}"
        f" = {user}.{quote(str(User._meta.pk.column))})"
    )
    pk = quote(str(DeviceToken._meta.pk.column))
    return TokenPlan(", ".join(columns), f"{token}{joins}", f"{token}.{pk} = %s", layout)


def token_built(row: Any, alias: str) -> tuple[DeviceToken, int]:
    """The token (its user and device cached on it) and the user's scope version."""
    connection = connections[alias]
    objects: list[Any] = []
    at = 0
    for model, attnames, converters in token_plan(alias).layout:
        values = converted(row[at : at + len(attnames)], converters, connection)
        at += len(attnames)
        objects.append(model.from_db(alias, attnames, list(values)))
    token, user, device = objects
    DeviceToken._meta.get_field("user").set_cached_value(token, user)
    DeviceToken._meta.get_field("device").set_cached_value(token, device)
    return token, row[at] or 0


def token_with_user_and_device(key_hash: str) -> DeviceToken | None:
    """`DeviceToken.objects.select_related("user", "device").filter(key_hash=…).first()`."""
    alias = DeviceToken.objects.db
    plan = token_plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {plan.columns} FROM {plan.tables} WHERE {plan.where}", [key_hash])
        row = cursor.fetchone()
    return None if row is None else token_built(row, alias)[0]


@cache
def _scope_plan(alias: str) -> tuple[str, list[tuple[Any, list[Callable]]]]:
    # Membership.objects.filter(user=user, active=True).order_by("facility_id")
    #   .values_list("facility_id", "role", "areas__id"), written once like the token's.
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = str(Membership._meta.db_table)
    through = Membership._meta.get_field("areas").remote_field.through._meta  # type: ignore[union-attr]
    link = str(through.db_table)
    fields = [(table, Membership._meta.get_field(n)) for n in ("facility", "role")]
    fields.append((link, through.get_field("area")))
    columns, converters = [], []
    for at, field in fields:
        selected, reader = column_read(connection, at, field)
        columns.append(selected)
        converters.append(reader)

    def column(name: str, at: str = table, meta: Any = Membership._meta) -> str:
        return f"{quote(at)}.{quote(str(meta.get_field(name).column))}"

    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(table)} LEFT OUTER JOIN {quote(link)}"
        f" ON ({column('id')} = {column('membership', link, through)})"
        f" WHERE ({column('active')} AND {column('user')} = %s) ORDER BY 1 ASC"
    )
    return sql, converters


def scope_rows(user: User) -> list[tuple]:
    alias = Membership.objects.db
    sql, converters = _scope_plan(alias)
    connection = connections[alias]
    user_id = Membership._meta.get_field("user").get_db_prep_value(user.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not any(convert for _, convert in converters):
        return rows
    return [converted(row, converters, connection) for row in rows]
