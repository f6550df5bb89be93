# lib.sh - shared shell helpers for tests (placeholder)
