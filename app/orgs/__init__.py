"""Organisation profiles: storage, and the directory pages."""
