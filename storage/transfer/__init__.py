"""Copying a whole database between the backends: ``python -m bot db migrate-to`` (a SQLite file
into PostgreSQL) and ``python -m bot db backup`` (either backend into a new SQLite file).

``plan`` says what is copied and what is rebuilt instead, ``reading`` reads either backend the
same way, ``migrate`` and ``backup`` are the two commands; each backend's own part is in its
package (``storage.sqlite.transfer``, ``storage.postgres.transfer``). This module imports none
of them, so that importing one never loads the other backend's driver.
"""
