"""The Master's start grants (docs/design/jobs.md#admission, our choice): one start job per
application."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.admission import GRANT_TIMEOUT, GrantBook, application_of

A, B = "10.0.0.1:60001", "10.0.0.2:60002"


@pytest.fixture
def book() -> GrantBook:
    return GrantBook()


def test_application_of() -> None:
    assert application_of("app") == "app"
    assert application_of("app:proc") == "app"
    assert application_of("app:*") == "app"


def test_grant(book: GrantBook) -> None:
    assert book.request("app", A, 0.0, False) == ""
    assert list(book.grants) == ["app"]
    assert book.grants["app"].requester == A and book.grants["app"].granted_at == 0.0


def test_refused_when_already_started(book: GrantBook) -> None:
    assert book.request("app", A, 0.0, True) == "app is already started"
    assert book.grants == {}


@pytest.mark.parametrize("requester", [A, B])
def test_refused_while_granted(book: GrantBook, requester: str) -> None:
    book.request("app", A, 0.0, False)
    assert book.request("app", requester, 1.0, False) == f"app is being started by {A}"
    assert list(book.grants) == ["app"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("app", "app:proc"),  # a process of an application being started
        ("app:proc", "app"),  # an application with one of its processes being started
        ("app:proc", "app:proc"),
        ("app:*", "app:proc"),  # every process of the group, then one of them
        ("app:proc", "app:*"),
        ("app", "app:*"),
    ],
)
def test_namespec_and_application_conflicts(book: GrantBook, first: str, second: str) -> None:
    assert book.request(first, A, 0.0, False) == ""
    assert book.request(second, B, 0.5, False) == f"{second} is being started by {A}"


def test_two_namespecs_of_one_application_may_start_together(book: GrantBook) -> None:
    assert book.request("app:p1", A, 0.0, False) == ""
    assert book.request("app:p2", B, 0.0, False) == ""
    assert set(book.grants) == {"app:p1", "app:p2"}


def test_other_applications_are_independent(book: GrantBook) -> None:
    assert book.request("app", A, 0.0, False) == ""
    assert book.request("application", B, 0.0, False) == ""
    assert book.request("other:proc", B, 0.0, False) == ""


def test_released_after_seen_starting_then_done(book: GrantBook) -> None:
    book.request("app", A, 0.0, False)
    assert book.refresh({A: ("app",)}, {A, B}, 1.0) == []
    assert book.grants["app"].seen_starting
    assert book.refresh({A: ("app",)}, {A, B}, 100.0) == []  # in use: no timeout
    assert book.refresh({A: ()}, {A, B}, 101.0) == ["app"]
    assert book.request("app", B, 102.0, False) == ""


def test_namespec_grant_in_use_while_its_application_is_starting(book: GrantBook) -> None:
    book.request("app:proc", A, 0.0, False)
    assert book.refresh({A: ("app",)}, {A}, 1.0) == []
    assert book.refresh({}, {A}, 2.0) == ["app:proc"]


def test_only_the_requester_report_counts(book: GrantBook) -> None:
    book.request("app", A, 0.0, False)
    assert book.refresh({B: ("app",)}, {A, B}, 1.0) == []
    assert not book.grants["app"].seen_starting


def test_released_on_timeout_if_never_seen_starting(book: GrantBook) -> None:
    book.request("app", A, 10.0, False)
    assert book.refresh({A: ()}, {A}, 10.0 + GRANT_TIMEOUT) == []
    assert book.refresh({A: ()}, {A}, 10.0 + GRANT_TIMEOUT + 0.1) == ["app"]
    assert book.grants == {}


def test_released_when_the_requester_is_not_alive(book: GrantBook) -> None:
    book.request("app", A, 0.0, False)
    book.request("other", B, 0.0, False)
    assert book.refresh({A: ("app",), B: ("other",)}, {B}, 1.0) == ["app"]
    assert list(book.grants) == ["other"]


def test_release_by_the_requester(book: GrantBook) -> None:
    book.request("app", A, 0.0, False)
    assert not book.release("app", B)  # not its grant
    assert not book.release("other", A)
    assert book.release("app", A)
    assert book.grants == {}
    assert not book.release("app", A)


def test_clear(book: GrantBook) -> None:
    book.request("app", A, 0.0, False)
    book.request("other:p", B, 0.0, False)
    book.clear()
    assert book.grants == {}
    assert book.request("app", B, 1.0, False) == ""
