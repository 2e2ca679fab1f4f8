from __future__ import annotations

from django.db import models


class Lease(models.Model):
    """A named, time-bounded lock in the database, shared by every worker machine.

    The cloud poller holds one so that a single run polls all in-flight jobs; if its worker dies
    the lease simply expires and the periodic sweep starts a new run.
    """

    name = models.CharField(max_length=60, primary_key=True)
    until = models.DateTimeField(null=True, blank=True)
    holder = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.name} until {self.until}"
