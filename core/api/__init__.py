"""The REST API framework: resources from schemas, pagination, errors, OpenAPI, webhooks."""
