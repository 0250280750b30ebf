"""The JSON API under ``/api/v1``: token authentication, OpenAPI document, endpoints over the services."""
