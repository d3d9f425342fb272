"""Statistics: pure compilation of samples (docs/statistics.md); psutil collection at its edge."""
