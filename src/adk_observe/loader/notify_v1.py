"""`spec.notify` and `spec.maintenance` of adk-observe/v1: where alerts go, and when not.

Secrets are files only: a receiver takes `routing_key_file`, `api_url_file`, `api_key_file`,
`auth_password_file` or `url_file`, never the secret itself (an inline key is refused with the
field to use instead). Every value that reaches the Alertmanager configuration is checked
here the way Alertmanager 0.25 checks it (time ranges, weekdays, months, time zones), so the
generated configuration always loads.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from adk_observe import notify_model as n
from adk_observe.errors import quote
from adk_observe.loader.fields import SloName, Strict
from adk_observe.loader.importer import fail
from adk_observe.yamlsource import Document, KeyPath, format_path

PATH_LIMIT = 1024
TEXT_LIMIT = 256
RECEIVERS_MAX = 10  # per severity: bounds a hostile spec, not a real team
WINDOWS_MAX = 50
ITEMS_MAX = 31


def _secret_file(value: str) -> str:
    """An absolute path Alertmanager reads the secret from (at run time, never here)."""
    bad = (
        not value.startswith("/")
        or len(value) > PATH_LIMIT
        or not value.isprintable()
        or value.endswith("/")
        or "/../" in f"{value}/"
        or "/./" in f"{value}/"
    )
    if bad:
        raise ValueError(
            f"must be an absolute file path without . or .. segments (got {quote(value)})"
        )
    return value


def _plain_text(value: str) -> str:
    """Alertmanager expands templates in most receiver fields: keep spec text out of them."""
    if not value or len(value) > TEXT_LIMIT or not value.isprintable() or "{{" in value:
        raise ValueError(
            f"must be one line of at most {TEXT_LIMIT} characters without {{{{ (got {quote(value)})"
        )
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value) if value.isprintable() and " " not in value else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(value) > PATH_LIMIT
        or "{{" in value
    ):
        raise ValueError(f"must be an http:// or https:// URL (got {quote(value)})")
    if parts.username is not None or parts.password is not None:
        raise ValueError("holds credentials: put the whole URL in a file and give url_file")
    return value


_SLACK_CHANNEL = re.compile(r"^[#@]?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`|~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_SMARTHOST = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")


def _channel(value: str) -> str:
    if not _SLACK_CHANNEL.fullmatch(value):
        raise ValueError(f"is not a Slack channel like #support-slo (got {quote(value)})")
    return value


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"is not an e-mail address (got {quote(value)})")
    return value


def _smarthost(value: str) -> str:
    match = _SMARTHOST.fullmatch(value)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise ValueError(f"must be host:port, e.g. smtp.example.com:587 (got {quote(value)})")
    return value


SecretFile = Annotated[str, AfterValidator(_secret_file)]
PlainText = Annotated[str, AfterValidator(_plain_text)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
SlackChannel = Annotated[str, AfterValidator(_channel)]
EmailAddress = Annotated[str, AfterValidator(_email)]
Smarthost = Annotated[str, AfterValidator(_smarthost)]


class _Integration(Strict):
    # Alertmanager's inline secret fields of this integration -> the file field to use instead.
    INLINE: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, instead in cls.INLINE.items():
                if key in data:
                    raise ValueError(
                        f"{key}: secrets are never written in the spec: put it in a file "
                        f"and give {instead}"
                    )
        return data


class PagerDutyV1(_Integration):
    INLINE = {"routing_key": "routing_key_file", "service_key": "routing_key_file"}
    routing_key_file: SecretFile
    url: HttpUrl | None = Field(default=None, description="Events API v2 URL (default: US).")


class SlackV1(_Integration):
    INLINE = {"api_url": "api_url_file"}
    api_url_file: SecretFile = Field(description="File holding the incoming-webhook URL.")
    channel: SlackChannel


class OpsgenieV1(_Integration):
    INLINE = {"api_key": "api_key_file"}
    api_key_file: SecretFile
    api_url: HttpUrl | None = None


class EmailV1(_Integration):
    INLINE = {"auth_password": "auth_password_file", "auth_secret": "auth_password_file"}
    to: EmailAddress
    from_: EmailAddress = Field(alias="from")
    smarthost: Smarthost
    auth_username: PlainText | None = None
    auth_password_file: SecretFile | None = None
    require_tls: bool = True

    @model_validator(mode="after")
    def _auth(self) -> EmailV1:
        if (self.auth_username is None) != (self.auth_password_file is None):
            raise ValueError("set both auth_username and auth_password_file, or neither")
        return self


class WebhookV1(_Integration):
    url: HttpUrl | None = None
    url_file: SecretFile | None = None

    @model_validator(mode="after")
    def _one(self) -> WebhookV1:
        if (self.url is None) == (self.url_file is None):
            raise ValueError("set exactly one of url or url_file")
        return self


class ReceiverV1(Strict):
    pagerduty: PagerDutyV1 | None = None
    slack: SlackV1 | None = None
    opsgenie: OpsgenieV1 | None = None
    email: EmailV1 | None = None
    webhook: WebhookV1 | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ReceiverV1:
        kinds = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("set exactly one of pagerduty, slack, opsgenie, email or webhook")
        return self


class NotifyV1(Strict):
    page: list[ReceiverV1] = Field(default=[], max_length=RECEIVERS_MAX)
    ticket: list[ReceiverV1] = Field(default=[], max_length=RECEIVERS_MAX)


# --- maintenance windows: Alertmanager 0.25's time_interval rules (timeinterval.go) ----------

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_TIME = re.compile(r"^((([01][0-9])|(2[0-3])):[0-5][0-9]|24:00)$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")


def _range(value: str) -> tuple[str, str]:
    begin, sep, end = value.partition(":")
    if sep and ":" in end:
        raise ValueError(f"{quote(value)} is not a value or a range like a:b")
    return (begin, end) if sep else (begin, begin)


def _weekday(value: str) -> str:
    begin, end = _range(value.lower())
    if begin not in WEEKDAYS or end not in WEEKDAYS:
        raise ValueError(f"{quote(value)} is not a weekday or a range like monday:friday")
    if WEEKDAYS.index(begin) > WEEKDAYS.index(end):
        raise ValueError(
            f"{quote(value)}: a range runs from sunday to saturday and may not wrap; "
            "list two ranges instead (e.g. friday:saturday and sunday)"
        )
    return value.lower()


def _month(value: str) -> int:
    if value in MONTHS:
        return MONTHS.index(value) + 1
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    raise ValueError(f"{quote(value)} is not a month (january..december or 1..12)")


def _months(value: str) -> str:
    begin, end = _range(value.lower())
    if _month(begin) > _month(end):
        raise ValueError(f"{quote(value)}: the end month is before the start month")
    return value.lower()


def _day_number(text: str) -> int:
    number = int(text) if re.fullmatch(r"-?\d{1,2}", text) else 0
    if number == 0 or not -31 <= number <= 31:
        raise ValueError(
            f"{quote(text)} is not a day of the month (1..31, or -31..-1 from its end)"
        )
    return number


def _days(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be a day like 1, -1 or a range like 1:7")
    begin, end = (_day_number(part) for part in _range(value))
    if begin < 0 < end:
        raise ValueError(f"{quote(value)}: a range that starts from the end must end there too")
    if (28 + begin if begin < 0 else begin) > (28 + end if end < 0 else end):
        raise ValueError(f"{quote(value)}: the end day is always before the start day")
    return value


def _years(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be a year like 2026 or a range like 2026:2027")
    begin, end = _range(value)
    if not (re.fullmatch(r"2\d{3}", begin) and re.fullmatch(r"2\d{3}", end)) or begin > end:
        raise ValueError(f"{quote(value)} is not a year 2000..2999 or a range of them")
    return value


def _times(value: str) -> str:
    start, sep, end = value.partition("-")
    if not sep or not _TIME.fullmatch(start) or not _TIME.fullmatch(end) or start == "24:00":
        raise ValueError(f"{quote(value)} is not a time range like 22:00-23:30 (24:00 ends a day)")
    if start >= end:
        raise ValueError(
            f"{quote(value)}: the end is not after the start; a window across midnight is "
            "two windows (22:00-24:00 and 00:00-02:00 on the next weekday)"
        )
    return value


def _location(value: str) -> str:
    try:
        if not _ZONE.fullmatch(value) or value == "Local":
            raise ValueError
        zoneinfo.ZoneInfo(value)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValueError(
            f"{quote(value)} is not an IANA time zone (e.g. UTC, Europe/Berlin)"
        ) from None
    return value


Weekday = Annotated[str, AfterValidator(_weekday)]
Month = Annotated[str, AfterValidator(_months)]
DayOfMonth = Annotated[str, BeforeValidator(_days)]
Year = Annotated[str, BeforeValidator(_years)]
TimeRange = Annotated[str, AfterValidator(_times)]
Location = Annotated[str, AfterValidator(_location)]


class MaintenanceV1(Strict):
    name: SloName
    weekdays: list[Weekday] = Field(min_length=1, max_length=7)
    times: list[TimeRange] = Field(min_length=1, max_length=24)
    days_of_month: list[DayOfMonth] = Field(default=[], max_length=ITEMS_MAX)
    months: list[Month] = Field(default=[], max_length=12)
    years: list[Year] = Field(default=[], max_length=10)
    location: Location = Field(description="IANA time zone of the times, e.g. Europe/Berlin.")


# --- mapping to the model ----------------------------------------------------------------------


def _where(doc: Document, path: KeyPath) -> n.Where:
    return n.Where(doc.line_of(path), format_path(path))


def _receiver(receiver: ReceiverV1, doc: Document, path: KeyPath) -> n.Receiver:
    if receiver.pagerduty is not None:
        pd = receiver.pagerduty
        where = _where(doc, (*path, "pagerduty"))
        return n.PagerDuty(pd.routing_key_file, where, pd.url or "")
    if receiver.slack is not None:
        return n.Slack(
            receiver.slack.api_url_file, receiver.slack.channel, _where(doc, (*path, "slack"))
        )
    if receiver.opsgenie is not None:
        og = receiver.opsgenie
        return n.Opsgenie(og.api_key_file, _where(doc, (*path, "opsgenie")), og.api_url or "")
    if receiver.email is not None:
        em = receiver.email
        return n.Email(
            em.to,
            em.from_,
            em.smarthost,
            _where(doc, (*path, "email")),
            em.auth_username or "",
            em.auth_password_file or "",
            em.require_tls,
        )
    hook = receiver.webhook
    assert hook is not None
    return n.Webhook(_where(doc, (*path, "webhook")), hook.url or "", hook.url_file or "")


def to_notify(notify: NotifyV1 | None, doc: Document, path: KeyPath) -> n.Notify:
    if notify is None:
        return n.Notify()
    return n.Notify(
        page=tuple(_receiver(r, doc, (*path, "page", i)) for i, r in enumerate(notify.page)),
        ticket=tuple(_receiver(r, doc, (*path, "ticket", i)) for i, r in enumerate(notify.ticket)),
        declared=True,
    )


def to_maintenance(
    windows: list[MaintenanceV1], doc: Document, path: KeyPath
) -> tuple[n.Maintenance, ...]:
    out: list[n.Maintenance] = []
    for i, window in enumerate(windows):
        if window.name in [w.name for w in out]:
            raise fail(doc, (*path, i, "name"), f"duplicate maintenance window {window.name!r}")
        out.append(
            n.Maintenance(
                name=window.name,
                times=tuple(
                    (start, end) for start, _, end in (t.partition("-") for t in window.times)
                ),
                location=window.location,
                at=_where(doc, (*path, i, "location")),
                weekdays=tuple(window.weekdays),
                days_of_month=tuple(window.days_of_month),
                months=tuple(window.months),
                years=tuple(window.years),
            )
        )
    return tuple(out)
