"""Tests of the PDF documents: rendered, then read back as a person would (text, fonts, page size, QR)."""
