"""Throttling failed sign-ins, per account and per client address.

Each key (an email, whether or not an account has it, or a client address) may fail a few times
freely; after that every failure locks it for twice as long as the last, up to a ceiling. Unknown
emails are counted exactly like known ones, so the answer never says which accounts exist. Each
lock is an account event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import AccountEvent, SignInThrottle
from app.observability.metrics import count_sign_in_lock


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)

    def wait_after(self, failures: int) -> timedelta | None:
        """How long a key is locked after its `failures`th failure in a row (None: not locked)."""
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 16)
        return min(self.first_wait * 2**doublings, self.longest_wait)


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def locked_for(session: Session, keys: list[str], now: datetime) -> timedelta | None:
    """The longest wait still to run on any of these keys, or None when none is locked."""
    waits = [
        row.locked_until - now
        for key in keys
        if (row := session.get(SignInThrottle, key)) is not None
        and row.locked_until is not None
        and row.locked_until > now
    ]
    return max(waits) if waits else None


def record_failure(session: Session, policies: dict[str, ThrottlePolicy], now: datetime) -> None:
    """Count one failure against each key; lock (and record an event) where the policy says so.
    Commits, so a failure counts even though the request that made it changes nothing else."""
    for attempt in range(2):
        try:
            for key, policy in policies.items():
                _count(session, key, policy, now)
            session.commit()
            return
        except IntegrityError:  # two first failures for one key at once: count again
            session.rollback()
            if attempt:
                raise


def _count(session: Session, key: str, policy: ThrottlePolicy, now: datetime) -> None:
    row = session.get(SignInThrottle, key)
    if row is None:
        row = SignInThrottle(key=key, failures=0, last_failure_at=now)
        session.add(row)
    row.failures += 1
    row.last_failure_at = now
    wait = policy.wait_after(row.failures)
    if wait is not None:
        row.locked_until = now + wait
        count_sign_in_lock()
        minutes = max(1, int(wait.total_seconds() // 60))
        session.add(
            AccountEvent(
                occurred_at=now,
                actor_user_id=None,
                actor_email="induction-console",
                action="sign_in_locked",
                subject_user_id=None,
                subject=key,
                summary=f"Sign-in locked for {minutes} minutes after {row.failures} failures in a row",
                before=None,
                after={"failures": row.failures, "locked_until": row.locked_until.isoformat()},
            )
        )
    session.flush()


def clear(session: Session, key: str) -> None:
    """Forget an account's failures once it signs in. The caller commits."""
    row = session.get(SignInThrottle, key)
    if row is not None:
        session.delete(row)


def wait_words(wait: timedelta) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
