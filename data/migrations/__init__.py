"""Numbered schema migrations: mNNNN_name.py, each with up(db). Never edit one that has run."""
