"""Login limits on real SQLite and PostgreSQL databases: slots taken before the password
is checked, per user and address; hashing capped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from taskmaster.db.engine import Database
from taskmaster.errors import AuthError, InputError, RateLimited
from taskmaster.security.accounts import add_user, authenticate, check_name, set_password
from taskmaster.security.passwords import HashGate, check_password
from taskmaster.security.ratelimit import MAX_USER_FAILURES, locked_out


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'tm.db'}")
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'tm.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    database = Database(url)
    yield database
    database.dispose()


def test_lock_is_per_user_and_address_and_lifted_by_a_new_password(db: Database) -> None:
    with db.session() as s:
        user = add_user(s, "ann", "operator", "ann-password-1")
        s.commit()
        for _ in range(MAX_USER_FAILURES):
            with pytest.raises(AuthError) as exc:
                authenticate(s, "ann", "wrong", "10.0.0.1")
            assert type(exc.value) is AuthError
        with pytest.raises(RateLimited):
            authenticate(s, "ann", "ann-password-1", "10.0.0.1")
        assert locked_out(s, "ann")
        assert authenticate(s, "ann", "ann-password-1", "10.0.0.2").name == "ann"
        set_password(s, user, "ann-password-2")
        s.commit()
        assert not locked_out(s, "ann")
        assert authenticate(s, "ann", "ann-password-2", "10.0.0.1").name == "ann"


def test_parallel_wrong_passwords_are_counted_before_checking(any_db: Database) -> None:
    db = any_db
    with db.session() as s:
        add_user(s, "bob", "viewer", "bob-password-1")
        s.commit()

    def attempt(i: int) -> str:
        with db.session() as s:
            try:
                authenticate(s, "bob", f"guess-{i}", "10.0.0.9")
            except RateLimited:
                return "locked"
            except AuthError:
                return "wrong"
            return "in"

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(attempt, range(16)))
    assert answers.count("wrong") == MAX_USER_FAILURES and answers.count("in") == 0


def test_hashing_is_capped() -> None:
    gate = HashGate(slots=2, wait=0.2)
    running = peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(5)
        with lock:
            running -= 1

    threads = [threading.Thread(target=gate.run, args=(work,)) for _ in range(2)]
    for t in threads:
        t.start()
    while running < 2:
        time.sleep(0.01)
    with pytest.raises(RateLimited, match="busy"):
        gate.run(lambda: None)  # both slots taken: refused after `wait`
    release.set()
    for t in threads:
        t.join()
    assert peak == 2 and gate.run(lambda: 7) == 7


def test_password_policy_and_reserved_names() -> None:
    for weak in ("short", "password123", "QWERTYUIOP", "1234567890"):
        with pytest.raises(InputError):
            check_password(weak)
    check_password("correct horse battery")
    for name in ("cli", "hotfolder", "HotFolder", "System", "system:bootstrap", "systemd"):
        with pytest.raises(InputError):
            check_name(name)
    assert check_name("clinic-desk") == "clinic-desk"
