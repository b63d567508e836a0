"""gunicorn's settings for the console, read from the working directory by `gunicorn
'app:create_app()'` (the Dockerfile and the Procfile both start it there).

Each setting can be moved from the environment: `PORT` (gunicorn's own: bind 0.0.0.0:$PORT),
`WEB_CONCURRENCY` processes (default 2) of `WEB_THREADS` threads (default 4), so a request waiting
on TRS does not hold up a whole process.
"""

import os
import tempfile

from gunicorn.glogging import Logger

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# SIGTERM: finish the requests in hand for up to this long, then stop.
graceful_timeout = 20
# Several consoles (tests, benches) may run on one machine: no shared control socket.
control_socket_disable = True

# Every process must count into one directory for /metrics to add them up, and the variable must
# be set before the app (and so prometheus-client) is imported in the workers.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="induction-console-metrics-")

# The console logs each request itself, as JSON with its request id: no second access log.
# gunicorn writes its access log whenever a logging config is given, whatever `accesslog` says,
# so the logger class below is what turns it off.
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.observability.logs.JsonFormatter"}},
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["json"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
    },
}


class ConsoleLogger(Logger):
    """gunicorn's logger without its access log: the console's own line per request is the one."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


logger_class = ConsoleLogger


def child_exit(_server, worker) -> None:
    """A web process that ended leaves its counters behind for the others to go on adding."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# Garbage collection, measured under load: a page allocates tens of thousands of short-lived
# objects (rows, template output), so the default threshold of 700 ran a collection every few
# hundred microseconds, each walking the app's long-lived objects too. Freeze what the app built
# at start (templates, mappers, rules) out of every collection, and collect the youngest
# generation every 20,000 allocations. Cycles are still collected.
GC_THRESHOLDS = (20_000, 50, 100)


def post_worker_init(worker) -> None:
    import gc

    from app.factory import warm

    warm(worker.wsgi)  # before the freeze, so the compiled templates are frozen with the rest
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
