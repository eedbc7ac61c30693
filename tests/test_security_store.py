"""Accounts, sessions, one-time links, rate limits and the audit log in the store (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError

from scorecard import accounts
from scorecard.audit import read_audit, record
from store.schema import audit_log, login_attempts, users
from store.times import utc_now

PASSWORD = "correct horse battery staple"


def test_passwords_are_argon2id_hashes_and_never_stored_plain(engine: Engine) -> None:
    accounts.add_user(engine, "sam", "analyst", password=PASSWORD, las=["394"])
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_short_password_unknown_role_or_taken_name_is_refused(engine: Engine) -> None:
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.add_user(engine, "a", "analyst", password="short")
    with pytest.raises(accounts.AccountError, match="Unknown role"):
        accounts.add_user(engine, "a", "superuser")
    with pytest.raises(accounts.AccountError, match="needs its agency"):
        accounts.add_user(engine, "p", "partner")
    accounts.add_user(engine, "a", "board")
    with pytest.raises(accounts.AccountError, match="already a user"):
        accounts.add_user(engine, "a", "board")


def test_check_password(engine: Engine) -> None:
    accounts.add_user(engine, "sam", "manager", password=PASSWORD, las=["394", "390"])
    ok = accounts.check_password(engine, "sam", PASSWORD, "10.1.1.1")
    assert ok.user is not None and ok.user.las == frozenset({"390", "394"})
    assert accounts.check_password(engine, "sam", PASSWORD + "x", "10.1.1.1").reason == "wrong"
    assert accounts.check_password(engine, "nobody", PASSWORD, "10.1.1.1").reason == "wrong"
    accounts.set_active(engine, "sam", False)
    assert accounts.check_password(engine, "sam", PASSWORD, "10.1.1.1").reason == "disabled"


def test_rate_limits_per_account_and_per_address(engine: Engine) -> None:
    accounts.add_user(engine, "sam", "analyst", password=PASSWORD)
    for _ in range(accounts.MAX_ACCOUNT_FAILURES):
        accounts.check_password(engine, "sam", "wrong password", "10.0.0.1")
    # the right password from another address is refused too: the account is locked
    assert accounts.check_password(engine, "sam", PASSWORD, "10.0.0.2").reason == "limited"
    # an address that failed on many accounts is refused for every account
    accounts.add_user(engine, "kim", "analyst", password=PASSWORD)
    for i in range(accounts.MAX_ADDRESS_FAILURES):
        accounts.check_password(engine, f"guess{i}", "wrong password", "10.9.9.9")
    assert accounts.check_password(engine, "kim", PASSWORD, "10.9.9.9").reason == "limited"
    assert accounts.check_password(engine, "kim", PASSWORD, "10.0.0.3").user is not None
    # after the window, the account may try again
    with engine.begin() as conn:
        conn.execute(update(login_attempts).values(at=utc_now() - timedelta(minutes=16)))
    assert accounts.check_password(engine, "sam", PASSWORD, "10.0.0.2").user is not None


def test_sessions_end_on_sign_out_idle_and_role_change(engine: Engine) -> None:
    user = accounts.add_user(engine, "sam", "analyst", password=PASSWORD, las=["394"])
    sid = accounts.start_session(engine, user, "10.0.0.1")
    now = utc_now()
    assert accounts.session_user(engine, sid, now + timedelta(minutes=29)) is not None
    assert accounts.session_user(engine, sid, now + timedelta(minutes=29 + 31)) is None  # idle
    sid = accounts.start_session(engine, user, "10.0.0.1")
    accounts.set_role(engine, "sam", "manager")
    assert accounts.session_user(engine, sid) is None
    sid = accounts.start_session(engine, user, "10.0.0.1")
    accounts.end_session(engine, sid)
    assert accounts.session_user(engine, sid) is None


def test_the_first_link_is_one_time_and_expires(engine: Engine) -> None:
    assert accounts.needs_first_link(engine)
    token = accounts.first_admin_link_token(engine)
    admin = accounts.redeem_token(engine, token)
    assert admin is not None and admin.username == "admin" and admin.role == "admin"
    assert accounts.redeem_token(engine, token) is None
    late = accounts.first_admin_link_token(engine, now=utc_now() - timedelta(hours=25))
    assert accounts.redeem_token(engine, late) is None
    accounts.start_session(engine, admin, None)
    assert not accounts.needs_first_link(engine)


def test_the_audit_log_is_append_only(engine: Engine) -> None:
    record(engine, "signin", "sam", "10.0.0.1", "password")
    record(engine, "records.view", "kim", "10.0.0.2", "referrals month 2025-03", "394")
    assert [r["username"] for r in read_audit(engine)] == ["kim", "sam"]
    assert [r["action"] for r in read_audit(engine, username="sam")] == ["signin"]
    assert read_audit(engine, since=utc_now() + timedelta(days=1)) == []
    for statement in (update(audit_log).values(username="someone else"), delete(audit_log)):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 2


def test_an_unknown_audit_action_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        record(engine, "deleted everything", None, None)


def test_a_target_change_is_stored_over_the_file_and_audited(engine: Engine) -> None:
    from metrics.registry import load_registry
    from metrics.targets import load_targets, stored_overrides, with_overrides
    from scorecard.target_changes import set_target

    registry = load_registry()
    first = set_target(engine, registry, None, "icpc_15wd", 75, None, "394", "sam", "10.0.0.1")
    again = set_target(engine, registry, None, "icpc_15wd", 70, 2, "394", "sam", "10.0.0.1")
    assert first.describe() == "icpc_15wd, LA 394: target 80 (tolerance 5) -> 75 (tolerance 5)"
    assert again.describe() == "icpc_15wd, LA 394: target 75 (tolerance 5) -> 70 (tolerance 2)"
    with engine.connect() as conn:
        overrides = stored_overrides(conn)
        targets = with_overrides(load_targets(None, registry), overrides, registry)
    assert [tuple(o) for o in overrides] == [("icpc_15wd", "394", 70.0, 2.0)]
    assert targets.for_indicator("icpc_15wd", "394").value == 70.0
    assert targets.for_indicator("icpc_15wd", "391").value == 80.0
    rows = [r for r in read_audit(engine) if r["action"] == "target"]
    assert [(r["username"], r["la_code"], r["address"]) for r in rows] == [("sam", "394", "10.0.0.1")] * 2


def test_a_partner_account_names_a_declared_agency(engine: Engine) -> None:
    with pytest.raises(accounts.AccountError, match="Unknown agency 'MASH'"):
        accounts.add_user(engine, "p", "partner", agency="MASH")
    assert accounts.add_user(engine, "p", "partner", agency="schools", las=["394"]).agency == "schools"
