"""`proxyctl advise`: should this database have an RDS proxy, and what would it cost?"""
