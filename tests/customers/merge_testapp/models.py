from django.db import models


class Parcel(models.Model):
    """Stands in for an app (like orders) whose rows reference a customer."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=50)

    def __str__(self):
        return self.label


class Membership(models.Model):
    """At most one per customer and club: moving it must not break the unique constraint."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE)
    club = models.CharField(max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "club"], name="merge_testapp_one_per_club")
        ]

    def __str__(self):
        return self.club


class Segment(models.Model):
    name = models.CharField(max_length=50)
    customers = models.ManyToManyField("customers.Customer", related_name="+")

    def __str__(self):
        return self.name
