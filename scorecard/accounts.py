"""Local accounts, sessions, one-time sign-in links and the sign-in rate limits, in the store.

Passwords are hashed with Argon2id (argon2-cffi's defaults). Session ids and one-time
tokens are random (``secrets``) and only their SHA-256 is stored, so a copy of the
store signs nobody in.

Readings taken where the spec leaves a choice:

- **Rate limits**: an account is refused after 5 failed password attempts within 15
  minutes, an address after 20, until the window has passed. The check comes before
  the password is hashed, so a flood of attempts costs no Argon2 work. A success does
  not wipe earlier failures (an attacker who knows one password cannot reset the
  counter of another account from the same address).
- **Idle expiry**: a session not used for 30 minutes ends; ``last_seen`` is written at
  most once a minute, so the expiry is exact to that minute.
- **Passwords**: at least 12 characters (NCSC: length over complexity rules).
- **The first administrator** is ``admin``, created without a password; the one-time
  link (valid 24 hours) signs them in, and they set a password on the users page or
  with ``scorecard users reset-password admin``.

Example::

    >>> from store.engine import open_store
    >>> engine = open_store("sqlite://")
    >>> user = add_user(engine, "sam", "analyst", password="correct horse battery", las=["394"])
    >>> (user.role, sorted(user.las))
    ('analyst', ['394'])
    >>> check_password(engine, "sam", "wrong password!!", "127.0.0.1").reason
    'wrong'
    >>> check_password(engine, "sam", "correct horse battery", "127.0.0.1").user.username
    'sam'
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update

from scorecard.access import EVERY_LA, ROLES, Role, User
from scorecard.agencies import default_agencies
from store.schema import login_attempts, signin_tokens, user_las, users, web_sessions
from store.times import utc_now

IDLE = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=1)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
MIN_PASSWORD = 12
FIRST_ADMIN = "admin"
LINK_VALID = timedelta(hours=24)

_HASHER = PasswordHasher()
# Verified when the account does not exist, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("not a password of anyone's")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why and what to do."""


def _now() -> datetime:
    return utc_now().replace(microsecond=0)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters (this has {len(password)}).")
    return _HASHER.hash(password)


def _clean_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise AccountError(f"{username!r} is not a user name: 1 to 200 characters, no spaces.")
    return name


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: expected one of {', '.join(ROLES)}.")
    return role


def _user_from(conn: Connection, row: Any) -> User:
    las = conn.execute(select(user_las.c.la_code).where(user_las.c.user_id == row.user_id)).scalars()
    return User(row.user_id, row.username, row.role, row.agency, frozenset(las), bool(row.active))


def get_user(engine: Engine, user_id: int | None = None, username: str | None = None) -> User | None:
    """One account by id or name (None when there is none)."""
    query = select(users)
    query = query.where(users.c.user_id == user_id) if user_id is not None else query
    query = query.where(users.c.username == username) if username is not None else query
    with engine.connect() as conn:
        row = conn.execute(query).first()
        return _user_from(conn, row) if row is not None else None


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every account: name, role, agency, LAs, active, created, last sign-in, has a password."""
    with engine.connect() as conn:
        grants: dict[int, list[str]] = {}
        for user_id, la in conn.execute(select(user_las.c.user_id, user_las.c.la_code)):
            grants.setdefault(user_id, []).append(la)
        rows = conn.execute(select(users).order_by(users.c.username)).all()
    return [
        {
            "username": r.username,
            "role": r.role,
            "agency": r.agency or "",
            "las": ",".join(sorted(grants.get(r.user_id, []))),
            "active": bool(r.active),
            "password": r.password_hash is not None,
            "created_at": r.created_at,
            "last_sign_in": r.last_sign_in,
        }
        for r in rows
    ]


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def _set_las(conn: Connection, user_id: int, las: Iterable[str]) -> None:
    conn.execute(delete(user_las).where(user_las.c.user_id == user_id))
    codes = sorted({la.strip() for la in las if la.strip()})
    if codes:
        conn.execute(insert(user_las), [{"user_id": user_id, "la_code": la} for la in codes])


def _check_agency(role: Role, agency: str | None) -> str | None:
    agency = (agency or "").strip() or None
    if role == "partner" and agency is None:
        raise AccountError("A partner account needs its agency (e.g. --agency Police).")
    if role == "partner" and default_agencies().find(agency) is None:
        names = ", ".join(a.names[0] for a in default_agencies().agencies)
        raise AccountError(
            f"Unknown agency {agency!r} for a partner account: expected one of {names} "
            "(scorecard/data/agencies.yaml declares them and what each may see and load)."
        )
    return agency if role == "partner" else None


def add_user(
    engine: Engine,
    username: str,
    role: str,
    password: str | None = None,
    agency: str | None = None,
    las: Iterable[str] = (),
) -> User:
    """Create an account; raises AccountError when the name is taken or a value is wrong."""
    name = _clean_username(username)
    checked = _check_role(role)
    values = {
        "username": name,
        "password_hash": hash_password(password) if password else None,
        "role": checked,
        "agency": _check_agency(checked, agency),
        "active": True,
        "created_at": _now(),
    }
    with engine.begin() as conn:
        if conn.execute(select(users.c.user_id).where(users.c.username == name)).first():
            raise AccountError(f"There is already a user {name!r}.")
        user_id = int(conn.execute(insert(users).values(**values)).inserted_primary_key[0])  # type: ignore[index]
        _set_las(conn, user_id, las)
    user = get_user(engine, user_id=user_id)
    assert user is not None
    return user


def _existing(conn: Connection, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        raise AccountError(f"There is no user {username!r}: see the users with 'scorecard users list'.")
    return row


def set_role(
    engine: Engine, username: str, role: str, agency: str | None = None, las: Iterable[str] | None = None
) -> User:
    """Change an account's role (and agency), and its LAs when given."""
    checked = _check_role(role)
    with engine.begin() as conn:
        row = _existing(conn, username)
        agency = _check_agency(checked, agency if agency is not None else row.agency)
        conn.execute(update(users).where(users.c.user_id == row.user_id).values(role=checked, agency=agency))
        if las is not None:
            _set_las(conn, row.user_id, las)
        _end_sessions(conn, row.user_id)  # the new role applies from the next sign-in
    user = get_user(engine, username=username)
    assert user is not None
    return user


def set_active(engine: Engine, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; disabling ends its sessions at once."""
    with engine.begin() as conn:
        row = _existing(conn, username)
        conn.execute(update(users).where(users.c.user_id == row.user_id).values(active=active))
        if not active:
            _end_sessions(conn, row.user_id)


def reset_password(engine: Engine, username: str, password: str) -> None:
    """Set a new password; the account's sessions end."""
    new_hash = hash_password(password)
    with engine.begin() as conn:
        row = _existing(conn, username)
        conn.execute(update(users).where(users.c.user_id == row.user_id).values(password_hash=new_hash))
        _end_sessions(conn, row.user_id)


# --- Password sign-in and its rate limits ------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    reason: str | None = None  # wrong / limited / disabled


def _failures(conn: Connection, column: Any, value: str, since: datetime) -> int:
    query = select(func.count()).where(
        column == value, login_attempts.c.succeeded.is_(False), login_attempts.c.at >= since
    )
    return int(conn.execute(query).scalar_one())


def rate_limited(engine: Engine, username: str, address: str | None, now: datetime | None = None) -> bool:
    """True when the account or the address has had too many recent failures."""
    since = (now or _now()) - ATTEMPT_WINDOW
    with engine.connect() as conn:
        if _failures(conn, login_attempts.c.username, username, since) >= MAX_ACCOUNT_FAILURES:
            return True
        return address is not None and (
            _failures(conn, login_attempts.c.address, address, since) >= MAX_ADDRESS_FAILURES
        )


def _record_attempt(engine: Engine, username: str, address: str | None, ok: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(login_attempts).values(at=_now(), username=username[:200], address=address, succeeded=ok)
        )


def check_password(engine: Engine, username: str, password: str, address: str | None) -> SignInResult:
    """Check a sign-in attempt against the rate limits and the stored hash, and record it."""
    name = username.strip()[:200]
    if rate_limited(engine, name, address):
        _record_attempt(engine, name, address, ok=False)
        return SignInResult(None, "limited")
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
        verified = row is not None and row.password_hash is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or row is None:
        _record_attempt(engine, name, address, ok=False)
        return SignInResult(None, "wrong")
    if not row.active:
        _record_attempt(engine, name, address, ok=False)
        return SignInResult(None, "disabled")
    _record_attempt(engine, name, address, ok=True)
    with engine.connect() as conn:
        return SignInResult(_user_from(conn, row))


# --- Sessions ----------------------------------------------------------------------------


def start_session(engine: Engine, user: User, address: str | None) -> str:
    """A new session for the user; returns the id the cookie carries (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                session_hash=sha256(session_id),
                user_id=user.user_id,
                created_at=now,
                last_seen=now,
                address=address,
            )
        )
        conn.execute(update(users).where(users.c.user_id == user.user_id).values(last_sign_in=now))
    return session_id


def session_user(engine: Engine, session_id: str, now: datetime | None = None) -> User | None:
    """The active user of a live session, touching it; None when ended, idle or disabled."""
    now = now or _now()
    key = sha256(session_id)
    with engine.connect() as conn:
        row = conn.execute(
            select(web_sessions.c.last_seen, web_sessions.c.ended_at, users)
            .join(users, users.c.user_id == web_sessions.c.user_id)
            .where(web_sessions.c.session_hash == key)
        ).first()
        if row is None or row.ended_at is not None or not row.active:
            return None
        user = _user_from(conn, row)
    if now - row.last_seen > IDLE:
        end_session(engine, session_id, now)
        return None
    if now - row.last_seen >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(update(web_sessions).where(web_sessions.c.session_hash == key).values(last_seen=now))
    return user


def end_session(engine: Engine, session_id: str, now: datetime | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.session_hash == sha256(session_id), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now or _now())
        )


def _end_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=_now())
    )


# --- The first administrator and one-time links ----------------------------------------


def needs_first_link(engine: Engine) -> bool:
    """True when nobody can sign in yet: no accounts, or only the first administrator,
    who has neither a password nor has ever signed in."""
    with engine.connect() as conn:
        rows = conn.execute(select(users.c.username, users.c.password_hash, users.c.last_sign_in)).all()
    if not rows:
        return True
    return (
        len(rows) == 1
        and rows[0].username == FIRST_ADMIN
        and rows[0].password_hash is None
        and (rows[0].last_sign_in is None)
    )


def first_admin_link_token(engine: Engine, now: datetime | None = None) -> str:
    """Create the first administrator if needed, and a one-time token that signs them in."""
    admin = get_user(engine, username=FIRST_ADMIN) or add_user(engine, FIRST_ADMIN, "admin", las=[EVERY_LA])
    return issue_token(engine, admin, now)


def issue_token(engine: Engine, user: User, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = now or _now()
    with engine.begin() as conn:
        conn.execute(
            insert(signin_tokens).values(
                token_hash=sha256(token), user_id=user.user_id, created_at=now, expires_at=now + LINK_VALID
            )
        )
    return token


def redeem_token(engine: Engine, token: str, now: datetime | None = None) -> User | None:
    """The user a one-time token signs in, once; None when unknown, used or expired."""
    now = now or _now()
    with engine.begin() as conn:
        result = conn.execute(
            update(signin_tokens)
            .where(
                and_(
                    signin_tokens.c.token_hash == sha256(token),
                    signin_tokens.c.used_at.is_(None),
                    signin_tokens.c.expires_at > now,
                )
            )
            .values(used_at=now)
            .returning(signin_tokens.c.user_id)
        )
        user_id = result.scalar_one_or_none()
    if user_id is None:
        return None
    user = get_user(engine, user_id=int(user_id))
    return user if user is not None and user.active else None
