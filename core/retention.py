"""Retention purges: rows that carry a stored file go with their file."""

from __future__ import annotations

from django.db.models import Model, QuerySet


def delete_with_files(rows: QuerySet[Model], file_field: str) -> int:
    """Delete every row of ``rows`` and the file in its ``file_field``; returns how many.

    The file goes first: a crash between the two leaves a row without its file, which the next
    purge deletes, rather than a file no row points at, which nothing would ever delete.
    """
    count = 0
    for row in rows.iterator():
        getattr(row, file_field).delete(save=False)
        row.delete()
        count += 1
    return count
