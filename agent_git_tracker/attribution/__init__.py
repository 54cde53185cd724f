"""Who made a commit: pure rules, no I/O and no clock.

`agents` lists the agent ids; `detect` holds each agent's conventions (identities, trailers,
footers); `attribute` orders the evidence (session, environment, the commit, the repository's
default). May import: models, errors.
"""
