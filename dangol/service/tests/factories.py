import factory

from dangol.customers.tests.factories import CustomerFactory
from dangol.service.models import Queue, TicketCategory


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"queue{n}")
    name = factory.Sequence(lambda n: f"Queue {n}")


class TicketCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


__all__ = ["CustomerFactory", "QueueFactory", "TicketCategoryFactory"]
