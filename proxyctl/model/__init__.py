"""Neutral records: what AWS and the database said, in proxyctl's words.

Every layer may import this package; it imports nothing from proxyctl but
`errors`. One record per thing (a proxy, a cluster, a probe sample...), one
module per kind of thing.
"""
