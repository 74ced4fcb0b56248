"""The schema migrations, installed as the package `bot.migrations` (see setup.py).

`NNNN_name.sql` files here are SQLite's; a folder per other backend may follow.
"""
