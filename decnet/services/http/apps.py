"""Fake web applications behind the server: a WordPress site and a phpMyAdmin login."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from decnet.fleet.persona import Persona
from decnet.services.http.config import HTTPConfig
from decnet.services.http.creds import MAX_CRED, Credential, form_fields
from decnet.services.http.flavours import Flavour, PageContext, Response
from decnet.services.http.parser import Request
from decnet.services.http.text import clip, clip_wire, esc

_PHP_BY_DISTRO = {
    "debian": "8.2.7",
    "ubuntu22": "8.1.2-1ubuntu2.14",
    "ubuntu20": "7.4.3-4ubuntu2.19",
    "rocky9": "8.0.30",
    "centos7": "5.4.16",
    "fedora": "8.2.13",
    "alpine": "8.2.15",
    "kali": "8.2.12",
    "arch": "8.3.2",
}
_HTML = "text/html; charset=UTF-8"
_MAX_XMLRPC_CALLS = 100


class FakeApp(ABC):
    """An application answering some paths; None lets the web server answer."""

    def __init__(
        self, flavour: Flavour, config: HTTPConfig, persona: Persona, scheme: str, port: int
    ) -> None:
        self.flavour = flavour
        self.config = config
        self.persona = persona
        default = 443 if scheme == "https" else 80
        self.site = f"{scheme}://{persona.ip}" + ("" if port == default else f":{port}")
        php = persona.version_of("php", _PHP_BY_DISTRO.get(persona.distro, "8.1.2"))
        self.php_headers = [] if flavour.name == "iis" else [("X-Powered-By", f"PHP/{php}")]

    def key(self, path: str) -> str:
        """Path as routed (IIS ignores case)."""
        return path.lower() if self.flavour.case_insensitive else path

    @abstractmethod
    def handle(self, request: Request, ctx: PageContext) -> tuple[Response, list[Credential]] | None:
        """The app's answer and any credentials only it understands (e.g. XML-RPC)."""

    def page(self, status: int, body: str, headers: list[tuple[str, str]] | None = None) -> Response:
        """A PHP-generated HTML page."""
        return Response(status, body.encode(), _HTML, headers=self.php_headers + (headers or []))


# --------------------------------------------------------------------------- WordPress

_XMLRPC_METHODS = [
    "system.multicall",
    "system.listMethods",
    "system.getCapabilities",
    "demo.addTwoNumbers",
    "demo.sayHello",
    "pingback.extensions.getPingbacks",
    "pingback.ping",
    "mt.publishPost",
    "mt.getTrackbackPings",
    "mt.supportedTextFilters",
    "mt.supportedMethods",
    "mt.setPostCategories",
    "mt.getPostCategories",
    "mt.getRecentPostTitles",
    "mt.getCategoryList",
    "metaWeblog.getUsersBlogs",
    "metaWeblog.deletePost",
    "metaWeblog.newMediaObject",
    "metaWeblog.getCategories",
    "metaWeblog.getRecentPosts",
    "metaWeblog.getPost",
    "metaWeblog.editPost",
    "metaWeblog.newPost",
    "blogger.deletePost",
    "blogger.editPost",
    "blogger.newPost",
    "blogger.getRecentPosts",
    "blogger.getPost",
    "blogger.getUserInfo",
    "blogger.getUsersBlogs",
    "wp.getUsersBlogs",
    "wp.getProfile",
    "wp.getUsers",
    "wp.getUser",
    "wp.getPosts",
    "wp.getPost",
    "wp.newPost",
    "wp.editPost",
    "wp.deletePost",
    "wp.getOptions",
    "wp.setOptions",
    "wp.uploadFile",
    "wp.getMediaLibrary",
    "wp.getComments",
    "wp.getCategories",
]
_METHOD_NAME = re.compile(rb"<methodName>\s*([A-Za-z0-9_.]{1,64})\s*</methodName>")
_VALUE = re.compile(rb"<value>\s*(?:<string>)?([^<]{0,1024})(?:</string>)?\s*</value>")
_CALL = re.compile(rb"<name>\s*methodName\s*</name>\s*<value>\s*(?:<string>)?\s*([A-Za-z0-9_.]{1,64})")


def _xml_fault(code: int, text: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <fault>\n    <value>\n      <struct>\n'
        f"        <member>\n          <name>faultCode</name>\n          <value><int>{code}</int></value>\n"
        "        </member>\n        <member>\n          <name>faultString</name>\n"
        f"          <value><string>{esc(text)}</string></value>\n        </member>\n      </struct>\n"
        "    </value>\n  </fault>\n</methodResponse>\n"
    )


def _xml_unescape(raw: bytes) -> bytes:
    return raw.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&quot;", b'"').replace(b"&amp;", b"&")


class WordPress(FakeApp):
    """A fresh WordPress: home page, wp-login.php, wp-admin redirect, readme, XML-RPC, REST users."""

    USER = "admin"

    def __init__(
        self, flavour: Flavour, config: HTTPConfig, persona: Persona, scheme: str, port: int
    ) -> None:
        super().__init__(flavour, config, persona, scheme, port)
        self.version = config.wordpress_version
        self.blog = esc(persona.hostname.split(".")[0].replace("-", " ").title())

    def handle(self, request: Request, ctx: PageContext) -> tuple[Response, list[Credential]] | None:
        path = self.key(request.path)
        if path in ("/", "/index.php"):
            if "rest_route=" in request.query:
                return self._rest(request.query.split("rest_route=", 1)[1].split("&", 1)[0]), []
            return self._home(), []
        if path == "/wp-login.php":
            return self._login(request), []
        if path in ("/wp-admin", "/wp-admin/") or (path.startswith("/wp-admin/") and path.endswith(".php")):
            if path == "/wp-admin/admin-ajax.php":
                return Response(400, b"0", _HTML, headers=list(self.php_headers)), []
            target = quote(f"{self.site}/wp-admin/", safe="")
            location = f"{self.site}/wp-login.php?redirect_to={target}&reauth=1"
            headers = [*self.php_headers, ("Location", location)]
            return Response(302, b"", _HTML, headers=headers), []
        if path == "/xmlrpc.php":
            return self._xmlrpc(request)
        if path == "/readme.html":
            return Response(
                200, self._readme().encode(), "text/html", headers=self.flavour.static_headers(b"")
            ), []
        if path == "/robots.txt":
            body = (
                "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: {self.site}/wp-sitemap.xml\n"
            )
            return Response(
                200, body.encode(), "text/plain; charset=utf-8", headers=list(self.php_headers)
            ), []
        if path.startswith("/wp-json"):
            return self._rest(path[len("/wp-json") :] or "/"), []
        if path in (
            "/wp-config.php",
            "/wp-cron.php",
            "/wp-content/",
            "/wp-includes/",
            "/wp-content/plugins/",
        ):
            return self.page(200, ""), []
        if path.endswith(".php") and self.flavour.name == "nginx":
            return None  # php-fpm's try_files: nginx's own 404
        if path.startswith(("/wp-content/", "/wp-includes/")) or "." in path.rsplit("/", 1)[-1]:
            return None  # missing static files: the web server's 404
        return self._not_found(), []

    def _head(self, title: str) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n\t<meta charset="UTF-8" />\n'
            '\t<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<meta name='robots' content='max-image-preview:large' />\n<title>{title}</title>\n"
            f'<link rel="alternate" type="application/rss+xml" title="{self.blog} &raquo; Feed" '
            f'href="{self.site}/feed/" />\n'
            f'<link rel="https://api.w.org/" href="{self.site}/wp-json/" />\n'
            f'<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{self.site}/xmlrpc.php?rsd" '
            "/>\n"
            f'<meta name="generator" content="WordPress {self.version}" />\n'
            "<link rel='stylesheet' id='wp-block-library-css' "
            f"href='{self.site}/wp-includes/css/dist/block-library/style.min.css?ver={self.version}' "
            "media='all' />\n"
            "</head>\n"
        )

    def _home(self) -> Response:
        body = self._head(self.blog) + (
            '<body class="home blog wp-embed-responsive">\n<div class="wp-site-blocks">\n'
            f'<header class="wp-block-template-part"><p class="wp-block-site-title"><a href="{self.site}" '
            f'rel="home">{self.blog}</a></p></header>\n'
            '<main class="wp-block-group">\n<ul class="wp-block-post-template">\n'
            '<li class="wp-block-post post-1 post type-post status-publish format-standard hentry '
            'category-uncategorized">\n'
            f'<h2 class="wp-block-post-title"><a href="{self.site}/?p=1" target="_self">Hello '
            "world!</a></h2>\n"
            '<div class="wp-block-post-excerpt"><p class="wp-block-post-excerpt__excerpt">Welcome to '
            "WordPress. "
            "This is your first post. Edit or delete it, then start writing! </p></div>\n"
            "</li>\n</ul>\n</main>\n"
            '<footer class="wp-block-template-part"><p class="has-text-align-center">Proudly powered by '
            '<a href="https://wordpress.org" rel="nofollow">WordPress</a></p></footer>\n'
            "</div>\n</body>\n</html>\n"
        )
        link = ("Link", f'<{self.site}/wp-json/>; rel="https://api.w.org/"')
        return self.page(200, body, [link])

    def _not_found(self) -> Response:
        body = self._head(f"Page not found &#8211; {self.blog}") + (
            '<body class="error404 wp-embed-responsive">\n<div class="wp-site-blocks">\n'
            '<main class="wp-block-group"><h1 class="wp-block-heading">Page Not Found</h1>\n'
            "<p>The page you are looking for does not exist, or it has been moved. Please try searching "
            "using the form below.</p></main>\n</div>\n</body>\n</html>\n"
        )
        return self.page(404, body, [("Link", f'<{self.site}/wp-json/>; rel="https://api.w.org/"')])

    def _login(self, request: Request) -> Response:
        fields = dict(form_fields(request)) if request.method == "POST" else {}
        error = ""
        user_value = ""
        if request.method == "POST":
            user, password = fields.get("log", ""), fields.get("pwd", "")
            user_value = esc(clip_wire(user, MAX_CRED))
            lost = f'<a href="{self.site}/wp-login.php?action=lostpassword">Lost your password?</a>'
            if not user:
                message = "<strong>Error:</strong> The username field is empty.<br />"
            elif not password:
                message = "<strong>Error:</strong> The password field is empty.<br />"
            elif user.lower() in (self.USER, f"{self.USER}@{self.persona.hostname.lower()}"):
                message = (
                    f"<strong>Error:</strong> The password you entered for the username <strong>{user_value}"
                    f"</strong> is incorrect. {lost}"
                )
            else:
                message = (
                    f"<strong>Error:</strong> The username <strong>{user_value}</strong> is not registered on"
                    " this site. If you are unsure of your username, try your email address instead."
                )
            error = f'<div id="login_error" class="notice notice-error"><p>{message}</p></div>\n'
        redirect = esc(clip_wire(fields.get("redirect_to", f"{self.site}/wp-admin/"), 512))
        body = (
            '<!DOCTYPE html>\n<html lang="en-US">\n\t<head>\n'
            '\t<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n'
            f"\t<title>Log In &lsaquo; {self.blog} &#8212; WordPress</title>\n"
            "\t<meta name='robots' content='max-image-preview:large, noindex, noarchive' />\n"
            "<link rel='stylesheet' id='login-css' "
            f"href='{self.site}/wp-admin/load-styles.php?c=0&amp;dir=ltr&amp;"
            f"load%5Bchunk_0%5D=dashicons,buttons,forms,l10n,login&amp;ver={self.version}' media='all' />\n"
            "\t<meta name='referrer' content='strict-origin-when-cross-origin' />\n"
            '\t\t<meta name="viewport" content="width=device-width" />\n\t\t</head>\n'
            '\t<body class="login no-js login-action-login wp-core-ui  locale-en-us">\n'
            '\t<script type="text/javascript">document.body.className = '
            "document.body.className.replace('no-js','js');</script>\n"
            '\t\t\t\t<div id="login">\n\t\t<h1><a href="https://wordpress.org/">Powered by '
            "WordPress</a></h1>\n"
            f"\t{error}\n"
            f'\t\t<form name="loginform" id="loginform" action="{self.site}/wp-login.php" method="post">\n'
            '\t\t\t<p>\n\t\t\t\t<label for="user_login">Username or Email Address</label>\n'
            f'\t\t\t\t<input type="text" name="log" id="user_login" class="input" value="{user_value}" '
            'size="20" '
            'autocapitalize="off" autocomplete="username" required="required" />\n\t\t\t</p>\n\n'
            '\t\t\t<div class="user-pass-wrap">\n\t\t\t\t<label for="user_pass">Password</label>\n'
            '\t\t\t\t<div class="wp-pwd">\n'
            '\t\t\t\t\t<input type="password" name="pwd" id="user_pass" class="input password-input" '
            'value="" '
            'size="20" autocomplete="current-password" spellcheck="false" required="required" />\n'
            '\t\t\t\t\t<button type="button" class="button button-secondary wp-hide-pw hide-if-no-js" '
            'data-toggle="0" aria-label="Show password">\n'
            '\t\t\t\t\t\t<span class="dashicons dashicons-visibility" aria-hidden="true"></span>\n'
            "\t\t\t\t\t</button>\n\t\t\t\t</div>\n\t\t\t</div>\n"
            '\t\t\t\t\t\t<p class="forgetmenot"><input name="rememberme" type="checkbox" id="rememberme" '
            'value="forever"  /> <label for="rememberme">Remember Me</label></p>\n'
            '\t\t\t<p class="submit">\n'
            '\t\t\t\t<input type="submit" name="wp-submit" id="wp-submit" class="button button-primary '
            'button-large" value="Log In" />\n'
            f'\t\t\t\t\t\t\t\t\t<input type="hidden" name="redirect_to" value="{redirect}" />\n'
            '\t\t\t\t\t\t\t\t\t<input type="hidden" name="testcookie" value="1" />\n\t\t\t</p>\n'
            "\t\t\t\t\t</form>\n\n"
            '\t\t\t\t\t<p id="nav">\n\t\t\t\t<a class="wp-login-lost-password" '
            f'href="{self.site}/wp-login.php?'
            'action=lostpassword">Lost your password?</a>\t\t\t</p>\n'
            f'\t\t\t\t\t\t<p id="backtoblog">\n\t\t\t<a href="{self.site}/">&larr; Go to '
            f"{self.blog}</a>\t\t</p>\n"
            "\t\t\t</div>\n\t</body>\n</html>\n"
        )
        headers = [
            ("Expires", "Wed, 11 Jan 1984 05:00:00 GMT"),
            ("Cache-Control", "no-cache, must-revalidate, max-age=0"),
            ("Set-Cookie", "wordpress_test_cookie=WP%20Cookie%20check; path=/"),
            ("X-Frame-Options", "SAMEORIGIN"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ]
        return self.page(200, body, headers)

    def _readme(self) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n\t<meta name="viewport" '
            'content="width=device-width" />\n'
            '\t<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            "\t<title>WordPress &#8250; ReadMe</title>\n"
            '\t<link rel="stylesheet" href="wp-admin/css/install.css?ver=20100228" type="text/css" />\n'
            "</head>\n<body>\n"
            '<h1 id="logo">\n\t<a href="https://wordpress.org/"><img alt="WordPress" src="wp-admin/images/'
            f'wordpress-logo.png" /></a>\n\t<br /> Version {self.version}\n</h1>\n'
            '<p style="text-align: center">Semantic Personal Publishing Platform</p>\n\n'
            "<h2>First Things First</h2>\n<p>Welcome. WordPress is a very special project to me. Every "
            "developer "
            "and contributor adds something unique to the mix, and together we create something beautiful "
            "that I am proud to be a part of.</p>\n\n"
            "<h2>Installation: Famous 5-minute install</h2>\n<ol>\n\t<li>Unzip the package in an empty "
            'directory and upload everything.</li>\n\t<li>Open <span class="file"><a href="wp-admin/'
            'install.php">wp-admin/install.php</a></span> in your browser.</li>\n</ol>\n\n'
            '<h2>System Requirements</h2>\n<ul>\n\t<li><a href="https://www.php.net/">PHP</a> version '
            '<strong>7.0</strong> or greater.</li>\n\t<li><a href="https://www.mysql.com/">MySQL</a> version '
            "<strong>5.0</strong> or greater.</li>\n</ul>\n\n"
            "<h2>License</h2>\n<p>WordPress is free software, and is released under the terms of the "
            "<abbr>GPL</abbr> (GNU General Public License) version 2 or (at your option) any later version. "
            'See <a href="license.txt">license.txt</a>.</p>\n\n</body>\n</html>\n'
        )

    def _rest(self, route: str) -> Response:
        route = route.rstrip("/") or "/"
        headers = [*self.php_headers, ("Link", f'<{self.site}/wp-json/>; rel="https://api.w.org/"')]
        ctype = "application/json; charset=UTF-8"
        if route in ("/wp/v2/users", "%2Fwp%2Fv2%2Fusers"):
            body = (
                f'[{{"id":1,"name":"{self.USER}","url":"{self.site}","description":"","link":"{self.site}/'
                f'author/{self.USER}/","slug":"{self.USER}","avatar_urls":{{}},"meta":[],"_links":{{}}}}]'
            )
            return Response(200, body.encode(), ctype, headers=headers)
        if route == "/":
            body = (
                f'{{"name":"{self.blog}","description":"","url":"{self.site}","home":"{self.site}",'
                '"gmt_offset":"0","timezone_string":"","namespaces":["oembed\\/1.0","wp\\/v2","wp-site-health\\/v1"],'
                '"authentication":[],"routes":{}}'
            )
            return Response(200, body.encode(), ctype, headers=headers)
        body = (
            '{"code":"rest_no_route","message":"No route was found matching the URL and request method.",'
            '"data":{"status":404}}'
        )
        return Response(404, body.encode(), ctype, headers=headers)

    def _xmlrpc(self, request: Request) -> tuple[Response, list[Credential]]:
        xml = "text/xml; charset=UTF-8"
        if request.method != "POST":
            body = b"XML-RPC server accepts POST requests only."
            return Response(
                405, body, "text/plain;charset=UTF-8", headers=[*self.php_headers, ("Allow", "POST")]
            ), []
        if "rsd" in request.query:
            return self.page(200, ""), []
        body = request.body
        match = _METHOD_NAME.search(body)
        if match is None:
            return Response(
                200,
                _xml_fault(-32700, "parse error. not well formed").encode(),
                xml,
                headers=list(self.php_headers),
            ), []
        name = match[1].decode()
        if name == "system.multicall":
            calls = [m.decode() for m in _CALL.findall(body)[:_MAX_XMLRPC_CALLS]]
            values = [_xml_unescape(v) for v in _VALUE.findall(body)]
            creds = self._multicall_creds(values, len(calls))
            faults = "".join(
                "<value><struct><member><name>faultCode</name><value><int>403</int></value></member>"
                "<member><name>faultString</name><value><string>Incorrect username or password."
                "</string></value></member></struct></value>\n"
                for _ in calls
            )
            out = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <params>\n    <param>\n'
                f"      <value>\n      <array><data>\n{faults}</data></array>\n      </value>\n"
                "    </param>\n  </params>\n</methodResponse>\n"
            )
            return Response(200, out.encode(), xml, headers=list(self.php_headers)), creds
        if name == "system.listMethods":
            items = "".join(f"  <value><string>{m}</string></value>\n" for m in _XMLRPC_METHODS)
            out = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <params>\n    <param>\n'
                f"      <value>\n        <array><data>\n{items}</data></array>\n      </value>\n"
                "    </param>\n  </params>\n</methodResponse>\n"
            )
            return Response(200, out.encode(), xml, headers=list(self.php_headers)), []
        if name == "demo.sayHello":
            out = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <params>\n    <param>\n'
                "      <value>\n        <string>Hello!</string>\n      </value>\n    </param>\n  </params>\n"
                "</methodResponse>\n"
            )
            return Response(200, out.encode(), xml, headers=list(self.php_headers)), []
        if name not in _XMLRPC_METHODS:
            fault = _xml_fault(-32601, f"server error. requested method {name} does not exist.")
            return Response(200, fault.encode(), xml, headers=list(self.php_headers)), []
        if name == "pingback.ping":
            fault = _xml_fault(16, "The source URL does not exist.")
            return Response(200, fault.encode(), xml, headers=list(self.php_headers)), []
        values = [_xml_unescape(v) for v in _VALUE.findall(body)[:8]]
        offset = 0 if name == "wp.getUsersBlogs" else 1  # the others start with a blog id or app key
        creds = []
        if len(values) >= offset + 2:
            creds.append(
                Credential(
                    "xmlrpc",
                    username=clip(values[offset], MAX_CRED),
                    password=clip(values[offset + 1], MAX_CRED),
                )
            )
        fault = _xml_fault(403, "Incorrect username or password.")
        return Response(200, fault.encode(), xml, headers=list(self.php_headers)), creds

    @staticmethod
    def _multicall_creds(values: list[bytes], calls: int) -> list[Credential]:
        """Username/password pairs of a brute-force multicall: the two values after each method name."""
        names = {m.encode() for m in _XMLRPC_METHODS}
        strings = [v for v in values if v.strip() not in names]
        return [
            Credential("xmlrpc", username=clip(strings[i], MAX_CRED), password=clip(strings[i + 1], MAX_CRED))
            for i in range(0, min(len(strings) - 1, 2 * calls), 2)
        ]


# -------------------------------------------------------------------------- phpMyAdmin

_PMA_ROOTS = ("/", "/phpmyadmin/", "/phpMyAdmin/")


class PhpMyAdmin(FakeApp):
    """The phpMyAdmin cookie-auth login page; every login fails like a refused MySQL login."""

    def handle(self, request: Request, ctx: PageContext) -> tuple[Response, list[Credential]] | None:
        path = request.path
        for root in _PMA_ROOTS:
            if path == root.rstrip("/") and root != "/":
                return self.flavour.redirect(301, f"{self.site}{root}", ctx), []
            if path in (root, root + "index.php"):
                return self._login(request, root), []
            if root != "/" and path in (root + "README", root + "ChangeLog"):
                text = "phpMyAdmin - Readme\n===================\n\n"
                text += f"Version {self.config.phpmyadmin_version}\n\n"
                text += "A web interface for MySQL and MariaDB.\n\nhttps://www.phpmyadmin.net/\n"
                return Response(
                    200, text.encode(), "text/plain", headers=self.flavour.static_headers(b"")
                ), []
        return None

    def _login(self, request: Request, root: str) -> Response:
        fields = dict(form_fields(request)) if request.method == "POST" else {}
        token = secrets.token_hex(16)
        error = ""
        user = fields.get("pma_username")
        if user is not None:
            shown = esc(clip_wire(user, 64))
            uses = "YES" if fields.get("pma_password") else "NO"
            error = (
                '<div class="alert alert-danger" role="alert"><img src="themes/dot.gif" title="" alt="" '
                'class="icon ic_s_error"> Cannot log in to the MySQL server</div>\n'
                '<div class="alert alert-danger" role="alert"><img src="themes/dot.gif" title="" alt="" '
                f'class="icon ic_s_error"> mysqli::real_connect(): (HY000/1045): Access denied for user '
                f"'{shown}'@'localhost' (using password: {uses})</div>\n"
            )
        ver = self.config.phpmyadmin_version
        body = (
            '<!DOCTYPE HTML>\n<html lang="en" dir="ltr">\n<head>\n  <meta charset="utf-8">\n'
            '  <meta name="referrer" content="no-referrer">\n'
            '  <meta name="robots" content="noindex,nofollow,notranslate">\n'
            '  <meta name="google" content="notranslate">\n'
            '  <style id="cfs-style">html{display: none;}</style>\n'
            '  <link rel="icon" href="favicon.ico" type="image/x-icon">\n'
            '  <link rel="shortcut icon" href="favicon.ico" type="image/x-icon">\n'
            f'  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/jquery/jquery-ui.css">\n'
            '  <link rel="stylesheet" type="text/css" '
            f'href="js/vendor/codemirror/lib/codemirror.css?v={ver}">\n'
            f'  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/css/theme.css?v={ver}">\n'
            "  <title>phpMyAdmin</title>\n"
            '  <script data-cfasync="false" type="text/javascript" '
            f'src="js/vendor/jquery/jquery.min.js?v={ver}"></script>\n'
            '</head>\n<body id="loginform">\n'
            '<div id="page_content">\n<div class="container">\n<a '
            'href="./url.php?url=https%3A%2F%2Fwww.phpmyadmin.net%2F" '
            'target="_blank" rel="noopener noreferrer" class="logo">\n'
            '  <img src="./themes/pmahomme/img/logo_right.png" id="imLogo" name="imLogo" alt="phpMyAdmin" '
            'border="0">\n'
            '</a>\n<h1>\n  Welcome to <bdo dir="ltr" lang="en">phpMyAdmin</bdo>\n</h1>\n\n'
            '<noscript>\n  <div class="alert alert-danger" role="alert">\n  <img src="themes/dot.gif" '
            'title="" alt="" '
            'class="icon ic_s_error"> Javascript must be enabled past this point!\n  </div>\n</noscript>\n\n'
            f"{error}"
            '<div class="card mb-4">\n<form method="post" id="login_form" action="index.php?route=/" '
            'name="login_form" '
            'class="disableAjax hide js-show">\n'
            '  <div class="card-header">Log in<a href="./doc/html/index.html" target="documentation">'
            '<img src="themes/dot.gif" title="Documentation" alt="Documentation" class="icon '
            'ic_b_help"></a></div>\n'
            '  <div class="card-body">\n'
            '    <input type="hidden" name="set_session" value="">\n'
            '    <div class="row mb-3">\n      <div class="col-12 col-md-4 text-md-end">\n'
            '        <label for="input_username" class="col-form-label">Username:</label>\n      </div>\n'
            '      <div class="col-12 col-md-8">\n'
            '        <input type="text" name="pma_username" id="input_username" value="" '
            'class="form-control" '
            'autocomplete="username" spellcheck="false" autofocus>\n      </div>\n    </div>\n'
            '    <div class="row">\n      <div class="col-12 col-md-4 text-md-end">\n'
            '        <label for="input_password" class="col-form-label">Password:</label>\n      </div>\n'
            '      <div class="col-12 col-md-8">\n'
            '        <input type="password" name="pma_password" id="input_password" value="" '
            'class="form-control" '
            'autocomplete="current-password" spellcheck="false">\n      </div>\n    </div>\n'
            '    <input type="hidden" name="server" value="1">\n  </div>\n'
            '  <div class="card-footer">\n'
            '    <input class="btn btn-primary" value="Log in" type="submit" id="input_go">\n'
            '    <input type="hidden" name="route" value="/">\n'
            f'    <input type="hidden" name="token" value="{token}">\n  </div>\n</form>\n</div>\n\n'
            "</div>\n</div>\n</body>\n</html>\n"
        )
        cookie_path = root
        secure = "; secure" if self.site.startswith("https") else ""
        headers = [
            ("Set-Cookie", f"phpMyAdmin={secrets.token_hex(13)}; path={cookie_path}; HttpOnly{secure}"),
            (
                "Set-Cookie",
                f"pma_lang=en; expires={_cookie_expiry()}; Max-Age=2592000; path={cookie_path}; "
                f"HttpOnly{secure}",
            ),
            ("X-ob_mode", "1"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-XSS-Protection", "1; mode=block"),
            ("X-Robots-Tag", "noindex, nofollow"),
            ("Cache-Control", "no-store, no-cache, must-revalidate,  pre-check=0, post-check=0, max-age=0"),
            ("Pragma", "no-cache"),
        ]
        return self.page(200, body, headers)


def _cookie_expiry() -> str:
    when = datetime.now(UTC) + timedelta(days=30)
    return when.strftime("%a, %d-%b-%Y %H:%M:%S GMT")


APPS: dict[str, type[FakeApp]] = {"wordpress": WordPress, "phpmyadmin": PhpMyAdmin}
