"""Certificates (证书): award, skill-level and honour certificates and their numbers.

:mod:`.numbering` is a pure core (standard library only); importing this package must not pull in Flask.
"""
