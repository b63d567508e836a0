"""What the people on call see: JSON logs, the request id that follows a change to TRS, and
Prometheus metrics. Nothing here imports Flask, so the TRS client, the outbox worker and the CLI
use it as the web layer does (`app.web.observability` wires it into requests)."""
