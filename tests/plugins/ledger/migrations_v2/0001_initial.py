from tests.plugins.ledger.migrations_v2.common import load_v1

upgrade = load_v1("0001_initial").upgrade
