from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from dangol.accounts.models import Team, User

TEST_PASSWORD = "correct-horse-battery-staple-42"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            # get_or_create: a transactional test before this one may have flushed the
            # groups that the data migration created.
            self.groups.add(Group.objects.get_or_create(name=str(extracted))[0])
        if create:
            self.save()
