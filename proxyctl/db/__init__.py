"""The only package that imports psycopg: connections, TLS inspection, phases."""
