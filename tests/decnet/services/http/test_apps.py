"""The fake applications: WordPress and phpMyAdmin pages, and the logins they capture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import raw, running, split_response

Curl = Callable[..., Any]


async def test_wordpress_login_post_is_an_auth_event(curl: Curl) -> None:
    async with running("nginx", fake_app="wordpress") as (_, port, events):
        _, page = await curl(f"http://127.0.0.1:{port}/wp-login.php")
        _, wrong = await curl(
            "-d", "log=admin&pwd=Summer2024%21&wp-submit=Log+In", f"http://127.0.0.1:{port}/wp-login.php"
        )
        _, unknown = await curl("-d", "log=%3Cb%3Ebob&pwd=x", f"http://127.0.0.1:{port}/wp-login.php")
        auths = await events.wait("auth", 2)
    assert b'name="log"' in page and b'name="pwd"' in page and b"Powered by WordPress" in page
    assert b"The password you entered for the username <strong>admin</strong> is incorrect." in wrong
    assert b"<strong>&lt;b&gt;bob</strong> is not registered on this site" in unknown
    assert b"<b>bob" not in unknown
    first = auths[0].fields
    assert (first["method"], first["username"], first["password"], first["result"]) == (
        "form",
        "admin",
        "Summer2024!",
        "failure",
    )
    assert first["path"] == "/wp-login.php" and first["app"] == "wordpress"
    assert auths[1].fields["username"] == "<b>bob"
    assert auths[0].sid and auths[0].src_ip == "127.0.0.1"


async def test_wordpress_admin_redirect_readme_and_generator(curl: Curl) -> None:
    async with running("apache", fake_app="wordpress", wordpress_version="6.2.2") as (_, port, _events):
        _, admin = await curl("-i", f"http://127.0.0.1:{port}/wp-admin/")
        _, readme = await curl(f"http://127.0.0.1:{port}/readme.html")
        _, home = await curl("-i", f"http://127.0.0.1:{port}/")
        _, users = await curl(f"http://127.0.0.1:{port}/wp-json/wp/v2/users")
        _, missing = await curl("-i", f"http://127.0.0.1:{port}/some-post/")
    line, headers, _ = split_response(admin)
    assert line == "HTTP/1.1 302 Found"
    location = dict(headers)["Location"]
    assert location == (
        f"http://127.0.0.1:{port}/wp-login.php?redirect_to=http%3A%2F%2F127.0.0.1%3A{port}%2Fwp-admin%2F&reauth=1"
    )
    assert dict(headers)["X-Powered-By"] == "PHP/8.2.7"
    assert b"Version 6.2.2" in readme
    assert b'<meta name="generator" content="WordPress 6.2.2" />' in home
    assert b'"slug":"admin"' in users
    assert split_response(missing)[0] == "HTTP/1.1 404 Not Found" and b"Page Not Found" in missing


async def test_wordpress_xmlrpc(curl: Curl) -> None:
    single = (
        '<?xml version="1.0"?><methodCall><methodName>wp.getUsersBlogs</methodName><params>'
        "<param><value><string>admin</string></value></param>"
        "<param><value><string>letmein</string></value></param></params></methodCall>"
    )
    multi = (
        '<?xml version="1.0"?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data>'
        + "".join(
            "<value><struct><member><name>methodName</name><value><string>wp.getUsersBlogs</string></value></member>"
            f"<member><name>params</name><value><array><data><value><string>admin</string></value>"
            f"<value><string>pass{i}</string></value></data></array></value></member></struct></value>"
            for i in range(3)
        )
        + "</data></array></value></param></params></methodCall>"
    )
    async with running("nginx", fake_app="wordpress") as (_, port, events):
        _, get = await curl("-i", f"http://127.0.0.1:{port}/xmlrpc.php")
        _, listed = await curl(
            "-d",
            "<methodCall><methodName>system.listMethods</methodName></methodCall>",
            f"http://127.0.0.1:{port}/xmlrpc.php",
        )
        _, fault = await curl(
            "-H", "Content-Type: text/xml", "-d", single, f"http://127.0.0.1:{port}/xmlrpc.php"
        )
        _, multi_out = await curl(
            "-H", "Content-Type: text/xml", "-d", multi, f"http://127.0.0.1:{port}/xmlrpc.php"
        )
        auths = await events.wait("auth", 4)
    assert b"XML-RPC server accepts POST requests only." in get
    assert b"<string>wp.getUsersBlogs</string>" in listed
    assert b"<int>403</int>" in fault and b"Incorrect username or password." in fault
    assert multi_out.count(b"<int>403</int>") == 3
    assert [(a.fields["method"], a.fields["username"], a.fields["password"]) for a in auths] == [
        ("xmlrpc", "admin", "letmein"),
        ("xmlrpc", "admin", "pass0"),
        ("xmlrpc", "admin", "pass1"),
        ("xmlrpc", "admin", "pass2"),
    ]


async def test_phpmyadmin_login_page_and_failure(curl: Curl) -> None:
    async with running("apache", fake_app="phpmyadmin") as (_, port, events):
        _, root = await curl(f"http://127.0.0.1:{port}/")
        _, redirect = await curl("-i", f"http://127.0.0.1:{port}/phpmyadmin")
        _, page = await curl("-i", f"http://127.0.0.1:{port}/phpmyadmin/")
        _, failed = await curl(
            "-d",
            "set_session=&pma_username=root&pma_password=toor&server=1&route=%2F&token=abc",
            f"http://127.0.0.1:{port}/phpmyadmin/index.php?route=/",
        )
        auths = await events.wait("auth")
    for body in (root, page):
        assert b"<title>phpMyAdmin</title>" in body
        assert b'name="pma_username"' in body and b'name="pma_password"' in body
        assert b'<input type="hidden" name="token" value="' in body
    line, headers, _ = split_response(redirect)
    assert line == "HTTP/1.1 301 Moved Permanently"
    assert dict(headers)["Location"] == f"http://127.0.0.1:{port}/phpmyadmin/"
    assert any(k == "Set-Cookie" and v.startswith("phpMyAdmin=") for k, v in split_response(page)[1])
    assert b"Cannot log in to the MySQL server" in failed
    assert b"Access denied for user 'root'@'localhost' (using password: YES)" in failed
    fields = auths[0].fields
    assert (fields["username"], fields["password"], fields["method"], fields["app"]) == (
        "root",
        "toor",
        "form",
        "phpmyadmin",
    )


async def test_phpmyadmin_escapes_username() -> None:
    body = b"pma_username=%27%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&pma_password="
    request = (
        b"POST /phpmyadmin/index.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )
    async with running("nginx", fake_app="phpmyadmin") as (_, port, events):
        out = await raw(port, request)
        auths = await events.wait("auth")
    assert b"<script>alert(1)</script>" not in out
    assert b"&#x27;&gt;&lt;script&gt;" in out and b"(using password: NO)" in out
    assert auths[0].fields["username"] == "'><script>alert(1)</script>"
