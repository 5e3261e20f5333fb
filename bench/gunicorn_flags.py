"""The configuration file of the bench's gunicorn servers: nothing.

gunicorn loads ./gunicorn.conf.py by default, and the bench runs in the repository, so without
an explicit configuration the production file would silently set the bench's servers up (its
worker_connections equal to the threads turned every keep-alive connection into one request per
connection, and its max_requests recycled workers mid-round). The bench's servers are set up by
their command-line flags alone (bench/pages.py), and `--config=python:bench.gunicorn_flags`
points here.
"""
