"""`make run` (liuzhou_regulation/run.py): the demo logins come last, once the web server answers, in one block
in one language; the processes' logs go to var/log/ files instead of the terminal unless VERBOSE is set."""

import http.server
import subprocess
import sys
import threading
from io import StringIO

import pytest
from django.core.management import call_command

from liuzhou_regulation import run


class _Page(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _server(status):
    handler = type("Handler", (_Page,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.mark.real_clock
def test_a_page_answering_below_500_counts_as_up_and_a_500_or_no_server_does_not():
    for status, up in ((200, True), (302, True), (404, True), (500, False), (503, False)):
        server, url = _server(status)
        try:
            assert run.answers(url) is up, status
        finally:
            server.shutdown()
    assert run.answers(url) is False  # nothing listens any more


@pytest.mark.real_clock
def test_waiting_for_the_web_server_ends_when_it_answers_or_when_it_exits():
    server, url = _server(200)
    web = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert run.wait_until_answers(url, web, threading.Event(), timeout=10, poll_seconds=0.05)
    finally:
        server.shutdown()
        web.kill()
        web.wait()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not run.wait_until_answers(url, dead, threading.Event(), timeout=10, poll_seconds=0.05)


def test_a_wildcard_listening_address_is_browsed_on_this_machine():
    assert run.browse_host("0.0.0.0") == "127.0.0.1"
    assert run.browse_host("::") == "[::1]"
    assert run.browse_host("::1") == "[::1]"
    assert run.browse_host("10.1.2.3") == "10.1.2.3"


@pytest.mark.real_clock
def test_a_supervised_process_writes_to_its_log_file_not_to_the_terminal(tmp_path, capfd):
    supervisor = run.Supervisor(
        [run.Child("worker", [sys.executable, "-c", "import sys; print('task received'); "
                                                    "print('traceback', file=sys.stderr)"], restart=False)],
        log_dir=tmp_path, poll_seconds=0.05, log=lambda _line: None,
    )
    supervisor.start()
    try:
        assert supervisor.run() == 1  # a child that is not restarted ends the run
    finally:
        run._stop(supervisor.procs)
    text = (tmp_path / "worker.log").read_text()
    assert "task received" in text and "traceback" in text
    out, err = capfd.readouterr()
    assert "task received" not in out + err


def test_verbose_is_off_unless_asked(monkeypatch):
    monkeypatch.delenv("VERBOSE", raising=False)
    assert not run._verbose()
    for value, verbose in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("VERBOSE", value)
        assert run._verbose() is verbose, value


def test_the_closing_block_gives_the_address_logins_and_logs_in_one_language(db, parties):
    out = StringIO()
    call_command("seed_demo", "--logins-only", "--url", "http://127.0.0.1:8765/", "--logs", "/x/var/log",
                 stdout=out)
    text = out.getvalue()
    assert "平台已启动：http://127.0.0.1:8765/" in text
    assert "演示账号（密码均为" in text and "u_insurer_a" in text and "保险公司人员" in text
    assert "日志（Web 请求、Celery worker 与 beat）：/x/var/log" in text
    assert not any(word in text for word in ("Demo", "password", "Platform running", "logins"))


def test_logins_only_loads_nothing(db, parties):
    from apps.parties.models import Organization

    before = Organization.objects.count()
    call_command("seed_demo", "--logins-only", stdout=StringIO())
    assert Organization.objects.count() == before
