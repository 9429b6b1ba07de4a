"""Managers' reports: utilisation by engineer and client, difficult and update-only clients, SLA
compliance and monthly trends, each table exportable as CSV and XLSX."""
