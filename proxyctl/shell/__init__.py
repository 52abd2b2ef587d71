"""`proxyctl connect`: a SQL shell that knows tokens, TLS, pinning and the missing cancel."""
