"""How newsvoice logs: one line a record, as text for people or as JSON for log shippers.

The CLI sets up the "newsvoice" logger (`configure`); `newsvoice serve` lays the same format
over uvicorn's loggers (`uvicorn_config`), whose access log drops the requests that repeat
many times a second and say nothing: a page polling its job, the static assets, and the
players' listening events.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
AccessLog = Literal["quiet", "all", "off"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
ACCESS_LOGS: tuple[AccessLog, ...] = ("quiet", "all", "off")

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
"""A LogRecord's own attributes (and uvicorn's colored copy of the message): the rest are the
fields a call passed with `extra=`."""
_NOISE = re.compile(r"/api/jobs/[^/?]+(\?.*)?|/static/.*|/api/listens")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, the record's
    extra fields, and its traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line: dict[str, Any] = {
            "time": time.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= {name: value for name, value in record.__dict__.items() if name not in _STANDARD}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class AccessFilter(logging.Filter):
    """Gives uvicorn's access records their fields (client, method, path, status) and, QUIET,
    drops the successful ones of job polling and static assets. Errors are always kept."""

    def __init__(self, quiet: bool = True) -> None:
        super().__init__()
        self.quiet = quiet

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.args, tuple) or len(record.args) != 5:
            return True  # not uvicorn's access line
        client, method, path, _, status = record.args
        record.client, record.method, record.path, record.status = client, method, path, status
        noise = method in ("GET", "HEAD") and int(str(status)) < 400 and _NOISE.fullmatch(str(path))
        return not (self.quiet and noise)


class _Handler(logging.StreamHandler):
    """The handler `configure` installs (and replaces when called again)."""


def configure(log_format: LogFormat = "text", verbose: bool = False) -> None:
    """Log newsvoice's records to stderr in LOG_FORMAT, from DEBUG if VERBOSE else INFO.

    Only our own loggers: the libraries' chatter (trafilatura, NeMo) is not the user's business.
    """
    handler = _Handler()
    handler.setFormatter(_formatter(log_format))
    logger = logging.getLogger("newsvoice")
    for old in [h for h in logger.handlers if isinstance(h, _Handler)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def adopt(name: str) -> None:
    """Send logger NAME's records (a library's we want to hear from) to newsvoice's handler."""
    adopted = logging.getLogger(name)
    adopted.handlers = [h for h in logging.getLogger("newsvoice").handlers if isinstance(h, _Handler)]
    adopted.propagate = False


def uvicorn_config(log_format: LogFormat, access: AccessLog) -> dict[str, Any]:
    """uvicorn's logging config in LOG_FORMAT, its access log filtered as ACCESS says ("off":
    pass `access_log=False` to uvicorn as well)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    if log_format == "json":
        config["formatters"] = {name: {"()": JsonFormatter} for name in config["formatters"]}
    config["filters"] = {"access": {"()": AccessFilter, "quiet": access == "quiet"}}
    config["loggers"]["uvicorn.access"]["filters"] = ["access"]
    return config


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter("newsvoice: %(levelname)s: %(message)s")
