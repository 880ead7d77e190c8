"""Runs Ralph's LRS API (``ralph.api:app``) with its file-system backend appending statements.

Ralph 5.1.0's file-system LRS backend writes with its data backend's default
operation, CREATE, which refuses to write to a file that exists: every statement
after the first one would be refused with a 500. Its real deployments use
Elasticsearch, MongoDB or ClickHouse, none of which runs here. So this launcher
changes that one default to APPEND before starting uvicorn; Ralph's API, its
statement validation (pydantic models of xAPI 1.0.3) and its duplicate-id
handling run unchanged. Run with the LRS virtualenv's Python: ``python ralph_lrs.py HOST PORT``.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="info")
