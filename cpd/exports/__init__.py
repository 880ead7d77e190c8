"""Exports people open in a spreadsheet. Every CSV the product writes goes through ``csv_writer``."""

from cpd.exports.csv_writer import csv_bytes, neutralise, write_csv

__all__ = ["csv_bytes", "neutralise", "write_csv"]
