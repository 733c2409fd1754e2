"""From alerts to people: the Alertmanager configuration (and its AlertmanagerConfig CR) and
the runbooks of every alert, generated from the specs. Pure generators like rules/: model in,
plain data out; render/ serialises, cli/ writes."""
