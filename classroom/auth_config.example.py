"""Another authenticator for the classroom hub. Copy this file somewhere only root reads (it may
hold secrets), keep one of the blocks below, and start the hub with it:

    CLASSROOM_AUTH_CONFIG=/root/losslab_auth.py make classroom

The hub's settings load it last, so anything set here wins. Nothing else changes: the roster,
the Unix accounts, the spawner and nbgrader's exchange stay as they are; whoever logs in must be
a roster id, which is also their Unix account. The hub runs from the course's environment
(.venv), so an authenticator package goes there: `.venv/bin/uv pip install --python .venv …`.
"""

c = get_config()  # noqa: F821  (provided by JupyterHub)

# --- 1. PAM, the default: each account's own Unix password ----------------------------------------
# `make classroom` sets one random password per account and prints them (hub/passwords.csv, root
# only). To set your own instead, as root:  printf 'ada:%s\n' "$(openssl rand -base64 12)" | chpasswd
# c.JupyterHub.authenticator_class = "pam"

# --- 2. NativeAuthenticator: students sign up with their roster id, the instructor approves ---------
#   .venv/bin/uv pip install --python .venv jupyterhub-nativeauthenticator==1.3.0
# c.JupyterHub.authenticator_class = "native"
# c.NativeAuthenticator.open_signup = False          # the instructor approves at /hub/authorize
# c.Authenticator.admin_users = {"teacher"}          # the roster's instructor
# c.NativeAuthenticator.minimum_password_length = 10

# --- 3. Campus single sign-on through OAuth (oauthenticator: GitHub, Google, Azure AD, generic) ------
#   .venv/bin/uv pip install --python .venv oauthenticator==17.4.0
# c.JupyterHub.authenticator_class = "generic-oauth"
# c.GenericOAuthenticator.client_id = "..."
# c.GenericOAuthenticator.client_secret = "..."
# c.GenericOAuthenticator.oauth_callback_url = "https://hub.example.edu/hub/oauth_callback"
# c.GenericOAuthenticator.authorize_url = "https://sso.example.edu/authorize"
# c.GenericOAuthenticator.token_url = "https://sso.example.edu/token"
# c.GenericOAuthenticator.userdata_url = "https://sso.example.edu/userinfo"
# c.GenericOAuthenticator.username_claim = "preferred_username"   # must equal the roster id

# --- 4. From the LMS itself (Canvas, Moodle, ...) with LTI 1.3 (ltiauthenticator) --------------------
#   .venv/bin/uv pip install --python .venv jupyterhub-ltiauthenticator==1.6.3
# c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
# c.LTI13Authenticator.issuer = "https://canvas.instructure.com"
# c.LTI13Authenticator.authorize_url = "https://sso.canvaslms.com/api/lti/authorize_redirect"
# c.LTI13Authenticator.jwks_endpoint = "https://sso.canvaslms.com/api/lti/security/jwks"
# c.LTI13Authenticator.client_id = "..."                  # from the LMS developer key
# c.LTI13Authenticator.username_key = "email"        # then map it to the roster id

# --- Serving beyond this machine: only with a real authenticator, and with TLS ---------------------
# c.JupyterHub.ip = "0.0.0.0"
# c.JupyterHub.port = 443
# c.JupyterHub.ssl_cert = "/etc/letsencrypt/live/hub.example.edu/fullchain.pem"
# c.JupyterHub.ssl_key = "/etc/letsencrypt/live/hub.example.edu/privkey.pem"
