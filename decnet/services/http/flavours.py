"""What nginx, Apache httpd and IIS answer: status lines, header order, default and error pages."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from typing import ClassVar

from decnet.fleet.persona import Persona
from decnet.services.http.text import esc

REASONS: dict[int, str] = {
    100: "Continue",
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


@dataclass(slots=True)
class Response:
    """A response before the flavour orders its headers and adds Date, Server and framing."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/html"
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False
    server: str | None = None  #: replaces the Server header (IIS kernel-mode errors)


@dataclass(frozen=True, slots=True)
class PageContext:
    """Request facts a page may show; every text here is attacker-controlled until escaped."""

    method: str = "GET"
    path: str = "/"
    host: str = ""  #: Host header without port (validated), or "" if none
    port: int = 80
    user_agent: str = ""
    scheme: str = "http"


def http_date(when: datetime | None = None) -> str:
    """IMF-fixdate, e.g. ``Tue, 15 Nov 1994 08:12:31 GMT``."""
    return formatdate(usegmt=True) if when is None else format_datetime(when.astimezone(UTC), usegmt=True)


def install_time(persona: Persona) -> datetime:
    """When the web server's default files were written: stable per decky, before it booted."""
    seed = persona.seed.ljust(8, b"\0")
    days = 20 + int.from_bytes(seed[1:3], "big") % 400
    seconds = int.from_bytes(seed[3:6], "big") % 86400
    return (persona.booted_at - timedelta(days=days, seconds=seconds)).replace(microsecond=0)


class Flavour(ABC):
    """One web server's manners."""

    name: ClassVar[str]
    idle_timeout: ClassVar[float]
    index_paths: ClassVar[frozenset[str]]
    case_insensitive: ClassVar[bool] = False

    def __init__(self, server: str, persona: Persona) -> None:
        self.server = server
        self.persona = persona
        self.mtime = install_time(persona)
        self._usec = int.from_bytes(persona.seed[6:9].ljust(3, b"\0"), "big") % 1_000_000

    def reason(self, status: int) -> str:
        """Reason phrase of the status line."""
        return REASONS.get(status, "Unknown")

    def is_index(self, path: str) -> bool:
        """Whether ``path`` is the default document."""
        return (path.lower() if self.case_insensitive else path) in self.index_paths

    @abstractmethod
    def index(self, ctx: PageContext) -> Response:
        """The default page of a fresh install."""

    @abstractmethod
    def error(self, status: int, kind: str, ctx: PageContext) -> Response:
        """The error page for ``status`` (``kind`` refines parse errors)."""

    @abstractmethod
    def method_check(self, method: str, exists: bool, ctx: PageContext) -> Response | None:
        """The answer of the static-file handler to ``method``, or None to serve normally."""

    @abstractmethod
    def order(self, resp: Response, head: list[tuple[str, str]], keep_alive: bool, remaining: int) -> None:
        """Append the response's headers to ``head`` in this server's order."""

    def render(
        self, resp: Response, *, keep_alive: bool, remaining: int, head_only: bool, simple: bool
    ) -> bytes:
        """The bytes on the wire (``simple``: an HTTP/0.9 answer, body only)."""
        if simple:
            return resp.body
        head: list[tuple[str, str]] = []
        self.order(resp, head, keep_alive and not resp.close, remaining)
        lines = [f"HTTP/1.1 {resp.status} {self.reason(resp.status)}"]
        lines.extend(f"{k}: {v}" for k, v in head)
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return data if head_only else data + resp.body

    def static_headers(self, body: bytes) -> list[tuple[str, str]]:
        """Last-Modified/ETag/Accept-Ranges of a static file with this body."""
        return [("Last-Modified", http_date(self.mtime)), ("Accept-Ranges", "bytes")]

    def redirect(self, status: int, location: str, ctx: PageContext) -> Response:
        """A redirect the server itself makes (e.g. a directory without its slash)."""
        resp = self.error(status, "redirect", ctx)
        resp.headers.append(("Location", location))
        return resp


# ------------------------------------------------------------------------------ nginx

_NGINX_INDEX = b"""<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

_NGINX_TITLES = {
    301: "301 Moved Permanently",
    302: "302 Found",
    400: "400 Bad Request",
    401: "401 Authorization Required",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Not Allowed",
    411: "411 Length Required",
    413: "413 Request Entity Too Large",
    414: "414 Request-URI Too Large",
    500: "500 Internal Server Error",
    501: "501 Not Implemented",
    505: "505 HTTP Version Not Supported",
}
_NGINX_PADDING = b"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" * 6


class Nginx(Flavour):
    """nginx with the distribution's default site."""

    name = "nginx"
    idle_timeout = 65.0
    index_paths = frozenset({"/", "/index.html", "/index.nginx-debian.html"})

    def reason(self, status: int) -> str:
        return {405: "Not Allowed", 413: "Request Entity Too Large", 414: "Request-URI Too Large"}.get(
            status, super().reason(status)
        )

    def index(self, ctx: PageContext) -> Response:
        return Response(200, _NGINX_INDEX, headers=self.static_headers(_NGINX_INDEX))

    def static_headers(self, body: bytes) -> list[tuple[str, str]]:
        etag = f'"{int(self.mtime.timestamp()):x}-{len(body):x}"'
        return [("Last-Modified", http_date(self.mtime)), ("ETag", etag), ("Accept-Ranges", "bytes")]

    def error(self, status: int, kind: str, ctx: PageContext) -> Response:
        title = _NGINX_TITLES.get(status, f"{status} {self.reason(status)}")
        head = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        if kind in ("header_too_large", "too_many_headers"):
            head = (
                "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n"
            )
            head += "<center><h1>400 Bad Request</h1></center>\r\n"
            head += "<center>Request Header Or Cookie Too Large</center>\r\n"
        else:
            head += f"<center><h1>{title}</h1></center>\r\n"
        tail = f"<hr><center>{esc(self.server)}</center>\r\n</body>\r\n</html>\r\n"
        body = (head + tail).encode()
        if "MSIE " in ctx.user_agent and status >= 400:
            body += _NGINX_PADDING
        return Response(status, body, close=status in (400, 413, 414, 501, 505))

    def method_check(self, method: str, exists: bool, ctx: PageContext) -> Response | None:
        if method in ("GET", "HEAD"):
            return None
        if method == "POST":
            return self.error(405, "method", ctx) if exists else None
        return self.error(405, "method", ctx)

    def order(self, resp: Response, head: list[tuple[str, str]], keep_alive: bool, remaining: int) -> None:
        head.append(("Server", resp.server or self.server))
        head.append(("Date", http_date()))
        if resp.content_type:
            head.append(("Content-Type", resp.content_type))
        head.append(("Content-Length", str(len(resp.body))))
        rest = list(resp.headers)
        for key, value in resp.headers:
            if key == "Last-Modified":
                head.append((key, value))
                rest.remove((key, value))
        head.append(("Connection", "keep-alive" if keep_alive else "close"))
        head.extend(rest)


# ----------------------------------------------------------------------------- Apache

_APACHE_MESSAGES: dict[int, str] = {
    301: '<p>The document has moved <a href="{location}">here</a>.</p>\n',
    302: '<p>The document has moved <a href="{location}">here</a>.</p>\n',
    400: "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n",
    401: (
        "<p>This server could not verify that you\nare authorized to access the document\nrequested."
        "  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't"
        " understand how to supply\nthe credentials required.</p>\n"
    ),
    403: "<p>You don't have permission to access this resource.</p>\n",
    404: "<p>The requested URL was not found on this server.</p>\n",
    405: "<p>The requested method {method} is not allowed for this URL.</p>\n",
    411: "<p>A request of the requested method {method} requires a valid Content-length.<br />\n</p>\n",
    413: (
        "The requested resource<br />{path}<br />\ndoes not allow request data with {method} requests,"
        " or the amount of data provided in\nthe request exceeds the capacity limit.\n"
    ),
    414: "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n",
    500: (
        "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\n"
        "your request.</p>\n"
    ),
    501: "<p>{method} not supported for current URL.<br />\n</p>\n",
    505: "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\n"
    "your request.</p>\n",
}
_APACHE_EXTRA = {
    "header_too_large": "Size of a request header field exceeds server limit.<br />\n",
    "too_many_headers": "The number of request header fields exceeds this server's limit.<br />\n",
}
#: Methods Apache httpd knows; others are answered 501.
_APACHE_METHODS = frozenset(
    [
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "CONNECT",
        "OPTIONS",
        "TRACE",
        "PATCH",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
        "VERSION-CONTROL",
        "REPORT",
        "CHECKOUT",
        "CHECKIN",
        "UNCHECKOUT",
        "MKWORKSPACE",
        "UPDATE",
        "LABEL",
        "MERGE",
        "BASELINE-CONTROL",
        "MKACTIVITY",
    ]
)


class Apache(Flavour):
    """Apache httpd 2.4 with the distribution's default page."""

    name = "apache"
    idle_timeout = 5.0
    index_paths = frozenset({"/", "/index.html"})

    def index(self, ctx: PageContext) -> Response:
        distro = self.persona.distro
        if distro in ("rocky9", "centos7", "fedora"):
            body = _rhel_test_page(self.persona.distro_name or distro).encode()
            return Response(403, body, headers=self.static_headers(body))
        if distro in ("debian", "kali", "ubuntu20", "ubuntu22") or distro.startswith("ubuntu"):
            body = _debian_page("Ubuntu" if distro.startswith("ubuntu") else "Debian").encode()
            resp = Response(200, body, headers=self.static_headers(body))
            resp.headers.append(("Vary", "Accept-Encoding"))
            return resp
        body = b"<html><body><h1>It works!</h1></body></html>\n"
        return Response(200, body, headers=self.static_headers(body))

    def static_headers(self, body: bytes) -> list[tuple[str, str]]:
        usec = int(self.mtime.timestamp()) * 1_000_000 + self._usec
        return [
            ("Last-Modified", http_date(self.mtime)),
            ("ETag", f'"{len(body):x}-{usec:x}"'),
            ("Accept-Ranges", "bytes"),
        ]

    def error(self, status: int, kind: str, ctx: PageContext, location: str = "") -> Response:
        reason = self.reason(status)
        template = _APACHE_MESSAGES.get(status, "")
        message = template.format(method=esc(ctx.method), path=esc(ctx.path), location=esc(location))
        if status == 400 and kind in _APACHE_EXTRA:
            message = message.replace("<br />\n</p>", "<br />\n" + _APACHE_EXTRA[kind] + "</p>")
        host = ctx.host if ctx.host and kind not in ("bad_request", "bad_host") else self.persona.hostname
        body = (
            '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
            f"<title>{status} {reason}</title>\n</head><body>\n<h1>{reason}</h1>\n{message}"
            f"<hr>\n<address>{esc(self.server)} Server at {esc(host)} Port {ctx.port}</address>\n"
            "</body></html>\n"
        ).encode()
        resp = Response(
            status, body, "text/html; charset=iso-8859-1", close=status in (400, 413, 414, 501, 505)
        )
        if status == 405:
            resp.headers.append(("Allow", "GET,POST,OPTIONS,HEAD"))
        return resp

    def redirect(self, status: int, location: str, ctx: PageContext) -> Response:
        resp = self.error(status, "redirect", ctx, location)
        resp.headers.insert(0, ("Location", location))
        return resp

    def method_check(self, method: str, exists: bool, ctx: PageContext) -> Response | None:
        if method in ("GET", "HEAD", "POST"):
            return None
        if method == "OPTIONS":
            return Response(200, b"", None, headers=[("Allow", "GET,POST,OPTIONS,HEAD")])
        if method in _APACHE_METHODS:
            return self.error(405, "method", ctx)
        return self.error(501, "method", ctx)

    def order(self, resp: Response, head: list[tuple[str, str]], keep_alive: bool, remaining: int) -> None:
        head.append(("Date", http_date()))
        head.append(("Server", resp.server or self.server))
        vary = [(k, v) for k, v in resp.headers if k == "Vary"]
        head.extend((k, v) for k, v in resp.headers if k != "Vary")
        head.append(("Content-Length", str(len(resp.body))))
        head.extend(vary)
        if keep_alive:
            head.append(("Keep-Alive", f"timeout={int(self.idle_timeout)}, max={max(remaining, 0)}"))
            head.append(("Connection", "Keep-Alive"))
        else:
            head.append(("Connection", "close"))
        if resp.content_type:
            head.append(("Content-Type", resp.content_type))


def _debian_page(vendor: str) -> str:
    logo = "/icons/ubuntu-logo.png" if vendor == "Ubuntu" else "/icons/openlogo-75.png"
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <title>Apache2 {vendor} Default Page: It works</title>
    <style type="text/css" media="screen">
  * {{
    margin: 0px 0px 0px 0px;
    padding: 0px 0px 0px 0px;
  }}

  body, html {{
    padding: 3px 3px 3px 3px;
    background-color: #D8DBE2;
    font-family: Verdana, sans-serif;
    font-size: 11pt;
    text-align: center;
  }}

  div.main_page {{
    position: relative;
    display: table;
    width: 800px;
    margin-bottom: 3px;
    margin-left: auto;
    margin-right: auto;
    padding: 0px 0px 0px 0px;
    border-width: 2px;
    border-color: #212738;
    border-style: solid;
    background-color: #FFFFFF;
    text-align: center;
  }}

  div.page_header {{
    height: 99px;
    width: 100%;
    background-color: #F5F6F7;
  }}

  div.page_header span {{
    margin: 15px 0px 0px 50px;
    font-size: 180%;
    font-weight: bold;
  }}

  div.page_header img {{
    margin: 3px 0px 0px 40px;
    border: 0px 0px 0px;
  }}

  div.content_section_text {{
    padding: 4px 8px 4px 8px;
    color: #000000;
    font-size: 100%;
  }}

  div.section_header {{
    padding: 3px 6px 3px 6px;
    background-color: #8E9CB2;
    color: #FFFFFF;
    font-weight: bold;
    font-size: 112%;
    text-align: center;
  }}

  div.section_header_red {{
    background-color: #CD214F;
  }}
    </style>
  </head>
  <body>
    <div class="main_page">
      <div class="page_header floating_element">
        <img src="{logo}" alt="{vendor} Logo" class="floating_element"/>
        <span class="floating_element">
          Apache2 {vendor} Default Page
        </span>
      </div>
      <div class="content_section floating_element">
        <div class="section_header section_header_red">
          <div id="about"></div>
          It works!
        </div>
        <div class="content_section_text">
          <p>
                This is the default welcome page used to test the correct
                operation of the Apache2 server after installation on {vendor} systems.
                If you can read this page, it means that the Apache HTTP server installed at
                this site is working properly. You should <b>replace this file</b> (located at
                <tt>/var/www/html/index.html</tt>) before continuing to operate your HTTP server.
          </p>
          <p>
                If you are a normal user of this web site and don't know what this page is
                about, this probably means that the site is currently unavailable due to
                maintenance.
                If the problem persists, please contact the site's administrator.
          </p>
        </div>
        <div class="section_header">
          <div id="changes"></div>
                Configuration Overview
        </div>
        <div class="content_section_text">
          <p>
                {vendor}'s Apache2 default configuration is different from the
                upstream default configuration, and split into several files optimized for
                interaction with {vendor} tools. The configuration system is
                <b>fully documented in
                /usr/share/doc/apache2/README.Debian.gz</b>. Refer to this for the full
                documentation.
          </p>
          <p>
                The configuration layout for an Apache2 web server installation on {vendor} systems is as \
follows:
          </p>
          <pre>
/etc/apache2/
|-- apache2.conf
|       `--  ports.conf
|-- mods-enabled
|       |-- *.load
|       `-- *.conf
|-- conf-enabled
|       `-- *.conf
|-- sites-enabled
|       `-- *.conf
          </pre>
        </div>
        <div class="section_header">
            <div id="docroot"></div>
                Document Roots
        </div>
        <div class="content_section_text">
            <p>
                By default, {vendor} does not allow access through the web browser to
                <em>any</em> file outside of those located in <tt>/var/www</tt>,
                <a href="http://httpd.apache.org/docs/2.4/mod/mod_userdir.html" rel="nofollow">public_html</a>
                directories (when enabled) and <tt>/usr/share</tt> (for web
                applications). If your site is using a web document root
                located elsewhere (such as in <tt>/srv</tt>) you may need to whitelist your
                document root directory in <tt>/etc/apache2/apache2.conf</tt>.
            </p>
        </div>
        <div class="section_header">
          <div id="bugs"></div>
                Reporting Problems
        </div>
        <div class="content_section_text">
          <p>
                Please use the <tt>reportbug</tt> tool to report bugs in the
                Apache2 package with {vendor}. However, check <a
                href="https://bugs.debian.org/cgi-bin/pkgreport.cgi?ordering=normal;archive=0;src=apache2;repeatmerged=0"
                rel="nofollow">existing bug reports</a> before reporting a new bug.
          </p>
        </div>
      </div>
    </div>
    <div class="validator">
    </div>
  </body>
</html>

"""


def _rhel_test_page(distro_name: str) -> str:
    name = esc(distro_name.split(" release")[0])
    return f"""<!doctype html>
<html>
  <head>
    <meta charset='utf-8'>
    <meta name='viewport' content='width=device-width, initial-scale=1'>
    <title>HTTP Server Test Page powered by: {name}</title>
    <style rel="stylesheet" type="text/css">
      html {{ height: 100%; width: 100%; }}
      body {{ background: #FAFAFA; color: #28282B; font-family: sans-serif; margin: 0; }}
      h1 {{ text-align: center; background-color: #10B981; color: #fff; padding: 1em; margin: 0; }}
      .main {{ max-width: 60em; margin: 0 auto; padding: 1em 2em; }}
    </style>
  </head>
  <body>
    <h1>HTTP Server <strong>Test Page</strong></h1>
    <div class='main'>
      <p>This page is used to test the proper operation of an HTTP server after it has been installed
      on a {name} system. If you can read this page, it means that the software is working correctly.</p>
      <h2>Just visiting?</h2>
      <p>This website you are visiting is either experiencing problems or could be going through
      maintenance.</p>
      <p>If you would like to let the administrators of this website know that you've seen this page
      instead of the page you've expected, you should send them an email. In general, mail sent to the
      name "webmaster" and directed to the website's domain should reach the appropriate person.</p>
      <h2>I am the admin, what do I do?</h2>
      <p>You may now add content to the webroot directory for your software.</p>
      <p><strong>For systems using the Apache HTTP Server:</strong> You may now add content to the
      directory <code>/var/www/html/</code>. Note that until you do so, people visiting your website
      will see this page, and not your content. To prevent this page from ever being used, follow the
      instructions in the file <code>/etc/httpd/conf.d/welcome.conf</code>.</p>
    </div>
  </body>
</html>
"""


# -------------------------------------------------------------------------------- IIS

_IIS_INDEX = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />
<title>{title}</title>
<style type="text/css">
<!--
body {{
	color:#000000;
	background-color:#0072C6;
	margin:0;
}}

#container {{
	margin-left:auto;
	margin-right:auto;
	text-align:center;
	}}

a img {{
	border:none;
}}

-->
</style>
</head>
<body>
<div id="container">
<a href="http://go.microsoft.com/fwlink/?linkid=66138&amp;clcid=0x409">\
<img src="iisstart.png" alt="IIS" width="960" height="600" /></a>
</div>
</body>
</html>"""

_IIS_ERRORS: dict[int, tuple[str, str]] = {
    401: (
        "401 - Unauthorized: Access is denied due to invalid credentials.",
        "You do not have permission to view this directory or page using the credentials that you supplied.",
    ),
    403: (
        "403 - Forbidden: Access is denied.",
        "You do not have permission to view this directory or page using the credentials that you supplied.",
    ),
    404: (
        "404 - File or directory not found.",
        "The resource you are looking for might have been removed, had its name changed, or is "
        "temporarily unavailable.",
    ),
    405: (
        "405 - HTTP verb used to access this page is not allowed.",
        "The page you are looking for cannot be displayed because an invalid method (HTTP verb) was "
        "used to attempt access.",
    ),
    500: (
        "500 - Internal server error.",
        "There is a problem with the resource you are looking for, and it cannot be displayed.",
    ),
}

_IIS_ERROR_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>{short}</title>
<style type="text/css">
<!--
body{{margin:0;font-size:.7em;font-family:Verdana, Arial, Helvetica, sans-serif;background:#EEEEEE;}}
fieldset{{padding:0 15px 10px 15px;}}{sp}
h1{{font-size:2.4em;margin:0;color:#FFF;}}
h2{{font-size:1.7em;margin:0;color:#CC0000;}}{sp}
h3{{font-size:1.2em;margin:10px 0 0 0;color:#000000;}}{sp}
#header{{width:96%;margin:0 0 0 0;padding:6px 2% 6px 2%;\
font-family:"trebuchet MS", Verdana, sans-serif;color:#FFF;
background-color:#555555;}}
#content{{margin:0 0 0 2%;position:relative;}}
.content-container{{background:#FFF;width:96%;margin-top:8px;padding:10px;position:relative;}}
-->
</style>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>{short}</h2>
  <h3>{long}</h3>
 </fieldset></div>
</div>
</body>
</html>
"""

#: HTTP.sys (kernel) errors: parse errors never reach IIS itself. kind -> (status, title, heading, text)
_HTTPSYS: dict[str, tuple[int, str, str, str]] = {
    "bad_request": (400, "Bad Request", "Bad Request", "The request is badly formed."),
    "bad_host": (400, "Bad Request", "Bad Request - Invalid Hostname", "The request hostname is invalid."),
    "header_too_large": (
        400,
        "Bad Request",
        "Bad Request - Request Too Long",
        "The size of the request headers is too long.",
    ),
    "too_many_headers": (
        400,
        "Bad Request",
        "Bad Request - Request Too Long",
        "The size of the request headers is too long.",
    ),
    "uri_too_long": (414, "Request URL Too Long", "Request URL Too Long", "The request URL is too long."),
    "version": (505, "Version Not Supported", "Version Not Supported", "The HTTP version is not supported."),
    "not_implemented": (
        501,
        "Not Implemented",
        "Not Implemented",
        "The request transfer encoding type is not supported.",
    ),
    "length_required": (
        411,
        "Length Required",
        "Length Required",
        "The request must be chunked or have a content length.",
    ),
}


class IIS(Flavour):
    """IIS 10 with the default site (custom errors for remote clients)."""

    name = "iis"
    idle_timeout = 120.0
    index_paths = frozenset({"/", "/iisstart.htm"})
    case_insensitive = True

    def index(self, ctx: PageContext) -> Response:
        title = "IIS Windows" if self.persona.os_profile == "windows" else "IIS Windows Server"
        body = _IIS_INDEX.format(title=title).replace("\n", "\r\n").encode()
        return Response(200, body, headers=self.static_headers(body))

    def static_headers(self, body: bytes) -> list[tuple[str, str]]:
        filetime = int(self.mtime.timestamp() * 10_000_000) + 116_444_736_000_000_000 + self._usec
        return [
            ("Last-Modified", http_date(self.mtime)),
            ("Accept-Ranges", "bytes"),
            ("ETag", f'"{filetime:x}:0"'),
        ]

    def reason(self, status: int) -> str:
        return {414: "Request-URI Too Long", 505: "HTTP Version Not Supported"}.get(
            status, super().reason(status)
        )

    def error(self, status: int, kind: str, ctx: PageContext) -> Response:
        if kind in _HTTPSYS:
            code, title, heading, text = _HTTPSYS[kind]
            body = (
                '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
                f"<HTML><HEAD><TITLE>{title}</TITLE>\r\n"
                '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
                f"<BODY><h2>{heading}</h2>\r\n<hr><p>HTTP Error {code}. {text}</p>\r\n</BODY></HTML>\r\n"
            ).encode()
            return Response(
                code, body, "text/html; charset=us-ascii", close=True, server="Microsoft-HTTPAPI/2.0"
            )
        if kind == "too_large":  # request filtering: 404.13, shown as a plain 404 to remote clients
            status = 404
        short, long = _IIS_ERRORS.get(status, _IIS_ERRORS[500])
        body = _IIS_ERROR_PAGE.format(short=short, long=long, sp=" ").replace("\n", "\r\n").encode()
        resp = Response(status, body, close=kind == "too_large")
        if status == 405:
            resp.headers.append(("Allow", "GET, HEAD, OPTIONS, TRACE"))
        return resp

    def redirect(self, status: int, location: str, ctx: PageContext) -> Response:
        body = (
            "<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>"
            f'This document may be found <a HREF="{esc(location)}">here</a></body>'
        ).encode()
        return Response(status, body, headers=[("Location", location)])

    def method_check(self, method: str, exists: bool, ctx: PageContext) -> Response | None:
        if method in ("GET", "HEAD"):
            return None
        if method == "OPTIONS":
            allow = "OPTIONS, TRACE, GET, HEAD, POST"
            return Response(200, b"", None, headers=[("Allow", allow), ("Public", allow)])
        if method == "POST" and not exists:
            return None
        return self.error(405, "method", ctx)

    def order(self, resp: Response, head: list[tuple[str, str]], keep_alive: bool, remaining: int) -> None:
        if resp.content_type:
            head.append(("Content-Type", resp.content_type))
        head.extend(resp.headers)
        server = resp.server or self.server
        head.append(("Server", server))
        if resp.server is None:
            head.append(("X-Powered-By", "ASP.NET"))
        head.append(("Date", http_date()))
        if not keep_alive:
            head.append(("Connection", "close"))
        head.append(("Content-Length", str(len(resp.body))))


FLAVOURS: dict[str, type[Flavour]] = {"nginx": Nginx, "apache": Apache, "iis": IIS}


def flavour_for(server_header: str) -> str | None:
    """The flavour a Server header names, if it names one."""
    lowered = server_header.lower()
    if lowered.startswith("nginx"):
        return "nginx"
    if lowered.startswith("apache"):
        return "apache"
    if "iis" in lowered:
        return "iis"
    return None
