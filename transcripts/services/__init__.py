"""Business rules as plain, typed, keyword-argument functions called by views and tasks alike."""
