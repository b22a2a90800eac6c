"""The stock book is append-only in the database: UPDATE and DELETE of a `StockMove` are
refused by triggers on SQLite and PostgreSQL, and the test database's flush still passes."""

from __future__ import annotations

from django.db import connection

from server.stock.models import StockMove
from tests.api.test_med_administer import _attempt, phone, push
from tests.stock_helpers import medicine, receive


def _one_move(centre, make_api) -> StockMove:
    para = medicine(centre.facility)
    assert push(phone(make_api, "nurse"), receive(para, 30))[0]["status"] == "applied"
    return StockMove.objects.get()


def test_it_refuses_updates_and_deletes_of_the_stock_book_in_the_database(centre, make_api):
    move = _one_move(centre, make_api)
    table = StockMove._meta.db_table

    move.quantity = 300
    _attempt(move.save)
    _attempt(move.delete)
    _attempt(lambda: StockMove.objects.filter(pk=move.pk).update(quantity=300))
    _attempt(lambda: StockMove.objects.filter(pk=move.pk).delete())
    _attempt(f"UPDATE {table} SET quantity = 300 WHERE id = {move.pk}")
    _attempt(f"DELETE FROM {table} WHERE id = {move.pk}")
    _attempt(f"DELETE FROM {table}")

    assert StockMove.objects.get().quantity == 30


def test_a_transactional_test_with_a_stock_move_is_flushed_past_the_triggers(
    transactional_db, centre, make_api
):
    """Committed for real: the flush after this test (a DELETE on SQLite) must get through."""
    move = _one_move(centre, make_api)
    _attempt(f"DELETE FROM {StockMove._meta.db_table} WHERE id = {move.pk}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {StockMove._meta.db_table}")
        assert cursor.fetchone()[0] == 1
