"""A real authenticator for the classroom hub: copy to classroom/auth_config.py (git ignores it),
keep one of the blocks below, restart `make classroom`. Nothing else changes: the roster,
the Unix accounts, the spawner and nbgrader's exchange stay as they are.

jupyterhub_config.py loads this file last (or the file named by $CLASSROOM_AUTH_CONFIG),
so anything set here wins. Every block keeps `allowed_users` from the roster: whoever logs
in must be a roster id, which is also their Unix account.
"""

c = get_config()  # noqa: F821  (provided by JupyterHub)

# --- 1. PAM: each account's own Unix password (JupyterHub's default authenticator) ----------------
# Set the passwords once, as root:  printf 'ada:%s\n' "$(openssl rand -base64 12)" | chpasswd
c.JupyterHub.authenticator_class = "pam"

# --- 2. NativeAuthenticator: students sign up with their roster id, the instructor approves ---------
#   .venv/classroom/bin/pip install jupyterhub-nativeauthenticator==1.3.0
# c.JupyterHub.authenticator_class = "native"
# c.NativeAuthenticator.open_signup = False          # the instructor approves at /hub/authorize
# c.Authenticator.admin_users = {"teacher"}          # the roster's instructor
# c.NativeAuthenticator.minimum_password_length = 10

# --- 3. Campus single sign-on through OAuth (oauthenticator: GitHub, Google, Azure AD, generic) ------
#   .venv/classroom/bin/pip install oauthenticator==17.4.0
# c.JupyterHub.authenticator_class = "generic-oauth"
# c.GenericOAuthenticator.client_id = "..."
# c.GenericOAuthenticator.client_secret = "..."
# c.GenericOAuthenticator.oauth_callback_url = "https://hub.example.edu/hub/oauth_callback"
# c.GenericOAuthenticator.authorize_url = "https://sso.example.edu/authorize"
# c.GenericOAuthenticator.token_url = "https://sso.example.edu/token"
# c.GenericOAuthenticator.userdata_url = "https://sso.example.edu/userinfo"
# c.GenericOAuthenticator.username_claim = "preferred_username"   # must equal the roster id

# --- 4. From the LMS itself (Canvas, Moodle, ...) with LTI 1.3 (ltiauthenticator) --------------------
#   .venv/classroom/bin/pip install jupyterhub-ltiauthenticator==1.6.3
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
