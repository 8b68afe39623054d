"""JumpCloud's SAML 2.0 IdP on the ``sso`` host (sso.jumpcloud.com): ``/saml2/<label>``.

``JumpCloudSystem.register`` mounts its blueprints: ``routes.bp`` and ``pages.look`` on the sso
host (with an ``SsoHost`` under ``host.EXTENSION``), ``console.bp`` on the console host.
"""
