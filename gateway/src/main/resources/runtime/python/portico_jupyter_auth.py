"""Portico's authentication for a Jupyter Notebook server (notebook 6.x) behind the gateway.

The gateway authenticates every proxied request to the server with a per-server secret in
``Authorization: token <secret>``. Jupyter's own token cannot be used for that: notebook renders
it into every page (``data-jupyter-api-token``), so it would reach the browser. This login handler
accepts only the gateway's secret, and the server runs with no token of its own, so nothing
secret is ever rendered.

The secret arrives in the environment variable PORTICO_SERVER_SECRET and is removed from the
environment at import, so kernels and terminals started by the server do not inherit it.

Enable with:
  --NotebookApp.login_handler_class=portico_jupyter_auth.PorticoLoginHandler
  --NotebookApp.logout_handler_class=portico_jupyter_auth.PorticoLogoutHandler
  --NotebookApp.token= --NotebookApp.password=
"""
import hmac
import os

from notebook.auth.login import LoginHandler
from notebook.auth.logout import LogoutHandler

_SECRET = os.environ.pop("PORTICO_SERVER_SECRET", "")
_EXPECTED = ("token " + _SECRET).encode("utf-8") if _SECRET else None


class PorticoLoginHandler(LoginHandler):
    """Authenticates requests that carry the gateway's secret; refuses everything else."""

    @classmethod
    def get_user(cls, handler):
        if getattr(handler, "_user_id", None):
            return handler._user_id
        header = handler.request.headers.get("Authorization", "").encode("utf-8")
        if _EXPECTED is not None and hmac.compare_digest(header, _EXPECTED):
            # Token-authenticated: notebook then skips its XSRF and Origin checks, which the
            # gateway performs itself before it forwards anything.
            handler._token_authenticated = True
            handler._user_id = os.environ.get("PORTICO_USER", "portico")
            return handler._user_id
        return None

    @classmethod
    def get_user_token(cls, handler):
        return None

    @classmethod
    def get_login_available(cls, settings):
        # Authentication is on (and done by this class), even with no token or password set.
        return True

    @classmethod
    def validate_security(cls, app, ssl_options=None):
        if _EXPECTED is None:
            raise SystemExit("PORTICO_SERVER_SECRET is not set: refusing to run without authentication")
        app.log.info("Authentication by the Portico gateway's per-server secret")

    def get(self):
        self.set_status(403)
        self.finish("This server is reached through the Portico gateway.")

    def post(self):
        self.get()


class PorticoLogoutHandler(LogoutHandler):
    """Jupyter's "Logout" button ends the Portico login, not just Jupyter's cookie."""

    def get(self):
        self.redirect("/hub/logout")
