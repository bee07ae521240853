"""baton.program outside a server: the multi-dict, and the request bound per context."""

from __future__ import annotations

import contextvars
import threading

import pytest

from baton import program
from baton.appserver.sessions import SessionStore
from baton.program import Params, RequestContext, bind
from baton.protocol.frames import UploadedFile


class Collect:
    def __init__(self) -> None:
        self.data = b""
        self.headers: list[tuple[str, str]] = []

    def set_header(self, name: str, value: str) -> None:
        self.headers.append((name, value))

    def write(self, data: bytes) -> None:
        self.data += data

    def flush(self) -> None:
        pass


def test_params_is_a_read_only_multi_dict() -> None:
    upload = UploadedFile("data", "a.csv", "text/csv", b"1,2")
    params = Params((("tag", "a"), ("name", "Ada"), ("tag", "b")), (upload,))
    assert params["tag"] == "a" and params.getall("tag") == ["a", "b"]
    assert params.getall("missing") == [] and params.get("missing") is None
    assert list(params) == ["tag", "name"] and len(params) == 2
    assert params.items_all() == [("tag", "a"), ("name", "Ada"), ("tag", "b")]
    assert params.files == (upload,)
    with pytest.raises(TypeError):
        params["tag"] = "c"  # type: ignore[index]


def test_outside_a_request_the_api_says_so() -> None:
    with pytest.raises(LookupError, match="outside a request"):
        program.params.get("name")


def test_each_thread_sees_its_own_request() -> None:
    barrier = threading.Barrier(2)
    seen: dict[str, tuple[str, bytes]] = {}

    def serve(name: str) -> None:
        sink = Collect()
        bind(RequestContext(Params((("name", name),)), {"REMOTE_USER": name}, sink))
        barrier.wait(5)  # both requests are bound before either reads
        program.webout.write(program.params["name"])
        program.log.info("for %s", name)
        seen[name] = (program.env["REMOTE_USER"], sink.data)

    threads = [
        threading.Thread(target=contextvars.Context().run, args=(serve, name))
        for name in ("ada", "bob")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert seen == {"ada": ("ada", b"ada"), "bob": ("bob", b"bob")}


def test_without_a_session_the_dict_says_so() -> None:
    def run() -> None:
        bind(RequestContext(Params(), {}, Collect()))
        assert not program.session.active and program.session.id is None
        assert program.session.url is None
        program.session.delete()  # nothing to delete: no error
        with pytest.raises(RuntimeError, match=r"no session: call session.create\(\) first"):
            program.session["count"] = 1
        with pytest.raises(RuntimeError, match="no session"):
            _ = "count" in program.session
        with pytest.raises(RuntimeError, match="outside an application server"):
            program.session.create()

    contextvars.Context().run(run)


@pytest.mark.parametrize("timeout", [0, -1.0, 86400.5, float("nan"), float("inf")])
def test_a_session_timeout_is_checked(timeout: float) -> None:
    def run() -> None:
        store = SessionStore()
        bind(RequestContext(Params(), {}, Collect(), session=store.begin(None, None)))
        with pytest.raises(ValueError, match="session timeout"):
            program.session.create(timeout)
        assert len(store) == 0

    contextvars.Context().run(run)


def test_a_session_through_the_proxy() -> None:
    store = SessionStore()

    def run() -> None:
        fields = (("_SERVICE", "a b"),)
        env = {"SCRIPT_NAME": "/cgi-bin/broker"}
        bind(RequestContext(Params(fields), env, Collect(), session=store.begin(None, "ada")))
        session_id = program.session.create(program.MAX_SESSION_TIMEOUT)
        assert program.session.active and program.session.id == session_id
        program.session["count"] = 1
        program.session.setdefault("tags", [])
        assert dict(program.session) == {"count": 1, "tags": []} and len(program.session) == 2
        del program.session["tags"]
        assert "tags" not in program.session and program.session.get("count") == 1
        assert program.session.url == f"/cgi-bin/broker?_SERVICE=a+b&_SESSIONID={session_id}"
        program.session.delete()
        assert not program.session.active

    contextvars.Context().run(run)
    assert len(store) == 0
