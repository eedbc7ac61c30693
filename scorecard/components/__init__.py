"""Small pure functions that build pieces of pages from plain values."""
