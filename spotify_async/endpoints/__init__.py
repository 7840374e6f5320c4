"""Endpoint groups: one module per area of the Web API; thin methods that build a request and name the model."""
