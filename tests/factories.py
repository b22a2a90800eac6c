"""factory-boy factories and the named personas the tests speak of (tests/personas.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from server.accounts.models import Device, Membership, User
from server.care.models import Area, Facility, Resident, Routine, TaskInstance
from server.meds.models import MedicationOrder

PASSWORD = "test-pass-123"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"centre-{n}")
    name = factory.Sequence(lambda n: f"Trung tâm Bảo trợ xã hội số {n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    facility = factory.SubFactory(FacilityFactory)
    code = factory.Sequence(lambda n: f"khu-{n}")
    name = factory.Sequence(lambda n: f"Khu nuôi dưỡng {n}")
    kind = Area.Kind.CARE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)
    role = "carer"

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.set(extracted)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    facility = factory.LazyAttribute(lambda o: o.area.facility)
    area = factory.SubFactory(AreaFactory)
    full_name = factory.Sequence(lambda n: f"Trần Thị {n}")
    room = factory.Sequence(lambda n: f"P{n % 20 + 1}")
    categories = factory.LazyFunction(lambda: ["lonely_elderly"])
    primary_category = "lonely_elderly"


class RoutineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Routine

    facility = factory.LazyAttribute(
        lambda o: o.resident.facility if o.resident else o.area.facility
    )
    kind = "meal"
    title = "Bữa ăn"
    resident = factory.SubFactory(ResidentFactory)
    area = None
    times = factory.LazyFunction(lambda: ["06:30", "11:00", "17:00"])


class TaskFactory(factory.django.DjangoModelFactory):
    """A task due now, window ±1 h, for a resident."""

    class Meta:
        model = TaskInstance

    id = factory.LazyFunction(uuid.uuid4)
    resident = factory.SubFactory(ResidentFactory)
    area = factory.LazyAttribute(lambda o: o.resident.area)
    facility = factory.LazyAttribute(lambda o: o.area.facility)
    kind = "meal"
    title = "Bữa trưa"
    local_date = factory.LazyFunction(lambda: timezone.localdate())
    slot = "11:00"
    due_at = factory.LazyFunction(timezone.now)
    window_start = factory.LazyAttribute(lambda o: o.due_at - timedelta(hours=1))
    window_end = factory.LazyAttribute(lambda o: o.due_at + timedelta(hours=1))


class MedicationOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicationOrder

    resident = factory.SubFactory(ResidentFactory)
    facility = factory.LazyAttribute(lambda o: o.resident.facility)
    drug = "Amlodipin 5mg"
    dose = "1 viên"
    route = "uống"
    times = factory.LazyFunction(lambda: ["07:00"])


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    id = factory.LazyFunction(uuid.uuid4)
    name = factory.Sequence(lambda n: f"Điện thoại ca {n}")
