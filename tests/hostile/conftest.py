"""Fixtures of other areas that the hostile cases reuse: the deploy tests' CR-schema and
checkov fixtures, and the report tests' real Prometheus with backfilled histories (a broken proxy
is put in front of it)."""

from tests.checks.conftest import backfilled, services, specs
from tests.deploy.conftest import checkov_binary, crd_schemas

__all__ = ["backfilled", "checkov_binary", "crd_schemas", "services", "specs"]
