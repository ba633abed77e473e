"""Reference data (gazetteer, lexicons, keywords) and the only code that touches SQLite."""
