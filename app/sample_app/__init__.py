"""The sample app: `/` and a `/health` that proves the database and the cache answer, over TLS,
with credentials read when each connection is made, so a rotation never needs a restart.

It is a starting point to replace: a team keeps the health contract (`checks`, `web`) and the
way a connection gets its credential (`credentials`), and puts its own routes beside them.
"""
