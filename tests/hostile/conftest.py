"""The deploy tests' CR-schema and checkov fixtures, for the hostile deploy cases."""

from tests.deploy.conftest import checkov_binary, crd_schemas

__all__ = ["checkov_binary", "crd_schemas"]
