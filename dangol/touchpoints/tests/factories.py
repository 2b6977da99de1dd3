from __future__ import annotations

import factory

from dangol.customers.tests.factories import CustomerFactory
from dangol.touchpoints.choices import Direction, InteractionChannel
from dangol.touchpoints.models import Interaction


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    channel = InteractionChannel.PHONE
    direction = Direction.INBOUND
    subject = factory.Sequence(lambda n: f"Call {n}")
