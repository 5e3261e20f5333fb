"""gunicorn in production: `gunicorn -c gunicorn.conf.py clinic.wsgi` (the Procfile's `web`).

Every value can be overridden from the environment; the README lists them.
"""

import os

# Requests are capped below gunicorn's own timeout: PostgreSQL cancels a statement that runs
# longer than this (clinic/settings.py), so a slow query fails one request with a clear error
# instead of having its worker killed. Only web processes set it by default; workers, beat and
# management commands run without a cap unless DB_STATEMENT_TIMEOUT_MS is set for them.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "20000")

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Processes from the CPUs (gunicorn's rule of thumb), each with a few threads, so a quick request
# such as /healthz finds a free thread while slow pages run.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A process takes only as many connections as it has threads: when all are busy it stops
# accepting and the next request goes to a process with a free thread, instead of queueing
# behind slow pages. So no keep-alive (behind the TLS proxy it saves little).
worker_connections = threads
keepalive = 0
# A worker silent for this long is killed and replaced; above the statement timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM or SIGHUP, requests in flight get this long to finish (graceful restart).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Replace each worker after a while, staggered, so a slow leak never builds up.
max_requests = 2000
max_requests_jitter = 200
# Behind the TLS proxy: trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No query strings in the access log: URLs carry no health data, and this keeps it that way.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
