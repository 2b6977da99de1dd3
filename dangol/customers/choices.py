"""Fixed vocabularies of the customer record."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Unknown")


class LifecycleStatus(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")


class AcquisitionChannel(models.TextChoices):
    STORE = "store", _("Store")
    ONLINE = "online", _("Online")
    CALL_CENTER = "call_center", _("Call center")
    FIELD_SALES = "field_sales", _("Field sales")
    PARTNER = "partner", _("Partner")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    UNKNOWN = "", _("Unknown")


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class Region(models.TextChoices):
    """Korea's first-level divisions (시·도), plus one value for abroad."""

    SEOUL = "seoul", _("Seoul")
    BUSAN = "busan", _("Busan")
    DAEGU = "daegu", _("Daegu")
    INCHEON = "incheon", _("Incheon")
    GWANGJU = "gwangju", _("Gwangju")
    DAEJEON = "daejeon", _("Daejeon")
    ULSAN = "ulsan", _("Ulsan")
    SEJONG = "sejong", _("Sejong")
    GYEONGGI = "gyeonggi", _("Gyeonggi")
    GANGWON = "gangwon", _("Gangwon")
    CHUNGBUK = "chungbuk", _("North Chungcheong")
    CHUNGNAM = "chungnam", _("South Chungcheong")
    JEONBUK = "jeonbuk", _("North Jeolla")
    JEONNAM = "jeonnam", _("South Jeolla")
    GYEONGBUK = "gyeongbuk", _("North Gyeongsang")
    GYEONGNAM = "gyeongnam", _("South Gyeongsang")
    JEJU = "jeju", _("Jeju")
    ABROAD = "abroad", _("Abroad")
    UNKNOWN = "", _("Unknown")


class ValueTier(models.TextChoices):
    """Pareto value tiers written back by the analytics (top 20 / middle 50 / bottom 30)."""

    TOP = "top", _("Top 20%")
    MIDDLE = "middle", _("Middle 50%")
    BOTTOM = "bottom", _("Bottom 30%")
