"""Full-text search over tickets: number, subject, description, comments (internal ones for staff
only), client name and INN; Russian and English word forms (Snowball stemmers), ranked.

Words are stemmed here, in Python, the same way for both databases; the database indexes the
stems: FTS5 (bm25 ranking) on SQLite, a tsvector with GIN (ts_rank) on PostgreSQL."""
