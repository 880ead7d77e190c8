"""The module as an LTI 1.3 tool: OIDC login, launch, the tool's JWKS, and scores back by Assignment and Grade Services.

Built on PyJWT (signature, ``exp``/``iat``/``aud``/``iss`` checks, the
platform's JWKS through ``PyJWKClient``) rather than PyLTI1p3: PyLTI1p3 keeps
the login's state and nonce and the launch data in a framework session and
cache (Django/Flask adapters, process memory by default), while here every
piece of state another replica may need lives in the database; adapting it to
Starlette meant writing its request, cookie, session, cache and redirect
adapters, more code than the checks themselves, and its last release is from
2022. The LTI rules PyJWT does not know (nonce bound to the state, deployment
id, message type and version, ``azp``) are in ``cpd.lti.launch``, each
refused by a test.

Modules: ``keys`` (the tool's RSA key and JWKS), ``platforms`` (registration
per organisation), ``launch`` (login initiation and launch validation),
``learners`` (find or create the learner and open the attempt), ``hooks`` (queue
the score when an attempt is graded), ``grades`` (the outbox handler that posts
it), ``cli``.
"""
