"""Who made a commit: pure rules, no I/O and no clock.

`agents` lists the agent ids (and the known id a close name stands for); `identities` holds
each tool's signature as author, committer or co-author; `message` reads trailers, disclosure
lines, task links and subject hints; `detect` weighs what the commit says; `attribute` orders
all the evidence (session, environment, the commit, the repository's default); `modelnames`
gives every model name one canonical id; `scoring` measures attribution against labelled
commits. May import: models, errors.
"""
